import * as path from "path";
import { XMLValidator } from "fast-xml-parser";
import {
  DAS_IP,
  DasHostLab,
  RENAME_HOOK_PORT,
  dasHostUnavailable,
  type RunOutcome,
} from "../lab/das-host";
import { fixture } from "../support/fixtures";

// Issue 18's failure cases of the write itself, on a DAS host whose files exist only on it
// (test/lab/das-host.ts): the provider code runs inside the CI namespace (lab.run), the file is
// read back inside the DAS host's mount namespace.

jest.setTimeout(180_000);

const unavailable = dasHostUnavailable();
if (unavailable) console.warn(`SKIPPED remote failure tests: ${unavailable}`);

const DIST = path.join(__dirname, "..", "..", "dist", "provider");
const DIR = "/srv/glassfish/domains/ro/config";
const DOMAIN = `${DIR}/domain.xml`;
const ORIGINAL = fixture("domain.xml");

(unavailable ? describe.skip : describe)("writes that fail on the DAS host", () => {
  let lab: DasHostLab;
  beforeAll(async () => {
    lab = await DasHostLab.create();
    await lab.addSshdWithRenameHook();
  });
  afterAll(() => lab?.destroySync());

  const connection = (port = 22) => ({
    host: DAS_IP,
    port,
    privateKey: lab.key.privateKey,
    hostKey: lab.hostKey,
  });
  /** Calls `module.fn(...args)` of dist/provider/<module> inside the CI namespace. */
  const call = (module: string, fn: string, args: unknown[]): Promise<RunOutcome> =>
    lab.run("return await require(vars.file)[vars.fn](...vars.args);", {
      file: path.join(DIST, module),
      fn,
      args,
    });
  const listing = (dir = DIR) => lab.dasShell('ls -A "$1"', dir).trim().split("\n");
  const URN = "urn:pulumi:dev::p::glassfish-ims:index:Virtualization::kvm";
  const kvm = (domainXml: string, port = 22) => ({
    domainXml,
    name: "kvm",
    emulator: "kvm",
    connection: connection(port),
    __urn: URN,
  });

  it("a read-only domain directory: a clear error naming the host and path, the file as it was, nothing left", async () => {
    lab.putFile(DOMAIN, ORIGINAL);
    lab.readOnly(DIR, true);
    try {
      const r = await call("resources/virtualization", "create", [
        {
          domainXml: DOMAIN,
          name: "kvm",
          emulator: "kvm",
          connection: connection(),
          __urn: "urn:pulumi:dev::p::glassfish-ims:index:Virtualization::kvm",
        },
      ]);
      expect(r.error?.code).toBe("FILE_READONLY");
      expect(r.error?.message).toBe(
        `glassfish-ims FILE_READONLY: root@${DAS_IP}:22:${DOMAIN} is on a read-only file system: its lock file cannot be created (EROFS). Remount it read-write (mount -o remount,rw) to let this change through; the file was not changed`,
      );
      expect(lab.readFile(DOMAIN).toString("utf8")).toBe(ORIGINAL);
      expect(listing()).toEqual(["domain.xml"]);
    } finally {
      lab.readOnly(DIR, false);
    }
  });

  describe.each(["before", "after"] as const)(
    "the connection cut in the rename window (%s the rename)",
    (mode) => {
      const dir = `/srv/glassfish/domains/cut-${mode}/config`;
      const file = `${dir}/domain.xml`;
      const read = () => lab.readFile(file).toString("utf8");
      let expected: string;
      beforeAll(async () => {
        // What the same create writes when nothing cuts it.
        const plain = `/srv/glassfish/domains/plain-${mode}/config/domain.xml`;
        lab.putFile(plain, ORIGINAL);
        expect((await call("resources/virtualization", "create", [kvm(plain)])).error).toBe(
          undefined,
        );
        expected = lab.readFile(plain).toString("utf8");
        expect(expected).not.toBe(ORIGINAL);
      });

      it("fails with SSH_ERROR, the file whole at every point, and nothing left but the .bak", async () => {
        lab.putFile(file, ORIGINAL);
        lab.armRenameHook(mode);
        const creating = call("resources/virtualization", "create", [kvm(file, RENAME_HOOK_PORT)]);
        const mv = await lab.renameHookReached();
        // Held in the rename window: the old bytes, or (after) the new ones, never a mix.
        const held = read();
        expect(held).toBe(mode === "before" ? ORIGINAL : expected);
        expect(XMLValidator.validate(held)).toBe(true);
        expect(lab.cutAtRenameHook(mv)).toBeGreaterThan(0);
        const r = await creating;
        expect(r.error?.code).toBe("SSH_ERROR");
        expect(r.error?.message).toBe(
          `glassfish-ims SSH_ERROR: the SSH session to root@${DAS_IP}:${RENAME_HOOK_PORT} ended while a command ran: its outcome is unknown`,
        );
        expect(read()).toBe(held);
        // The client dialed again to clean up: its temp file and lock are gone.
        expect(listing(dir).filter((n) => !n.endsWith(".ims-journal"))).toEqual([
          "domain.xml",
          "domain.xml.bak",
        ]);
        expect(lab.readFile(`${file}.bak`).toString("utf8")).toBe(ORIGINAL);
      });

      it("the next create of the same resource converges with no hand edit", async () => {
        // After the rename, the element is this create's own (the journal on the DAS host says
        // so): it is taken as the result, not refused as ALREADY_EXISTS.
        const r = await call("resources/virtualization", "create", [kvm(file)]);
        expect(r.error).toBeUndefined();
        expect(read()).toBe(expected);
      });
    },
  );

  it("an exclusive create that meets a file removed right after is EEXIST, never EIO", async () => {
    // SFTP v3 says only "Failure" when the file exists; the file may be gone by the time the
    // client looks (another stack released its lock): that is the lock being busy, not an I/O
    // error. The DAS host plays a stack that takes and releases its lock in a loop (holding it
    // 20 ms each time) while the client creates the file.
    const dir = "/srv/glassfish/domains/busy";
    lab.dasShell('mkdir -p "$1"', dir);
    const loop = lab.dasShell(
      '(while [ -d "$1" ]; do : > "$1/x.lock"; sleep 0.02; rm -f "$1/x.lock"; done) >/dev/null 2>&1 & echo $!',
      dir,
    );
    try {
      const r = await lab.run(
        `const fs = await (await remote.remoteHost(vars.c)).sftp();
         const codes = {};
         for (let i = 0; i < 150; i++) {
           const code = await fs.open(vars.file, "wx").then(
             async (h) => { await fs.close(h); await fs.unlink(vars.file).catch(() => {}); return "ok"; },
             (e) => e.code,
           );
           codes[code] = (codes[code] ?? 0) + 1;
         }
         return codes;`,
        { c: connection(), file: `${dir}/x.lock` },
      );
      const codes = r.value as Record<string, number>;
      expect(Object.keys(codes).filter((c) => c !== "ok" && c !== "EEXIST")).toEqual([]);
      expect(codes.EEXIST).toBeGreaterThan(0);
    } finally {
      lab.dasShell('rm -rf "$1"; kill "$2" 2>/dev/null; exit 0', dir, loop.trim());
    }
  });
});
