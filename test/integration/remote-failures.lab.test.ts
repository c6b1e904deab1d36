import * as path from "path";
import { DAS_IP, DasHostLab, dasHostUnavailable, type RunOutcome } from "../lab/das-host";
import { fixture } from "../unit/helpers";

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
  });
  afterAll(() => lab?.destroySync());

  const connection = () => ({ host: DAS_IP, privateKey: lab.key.privateKey, hostKey: lab.hostKey });
  /** Calls `module.fn(...args)` of dist/provider/<module> inside the CI namespace. */
  const call = (module: string, fn: string, args: unknown[]): Promise<RunOutcome> =>
    lab.run("return await require(vars.file)[vars.fn](...vars.args);", {
      file: path.join(DIST, module),
      fn,
      args,
    });
  const listing = () => lab.dasShell('ls -A "$1"', DIR).trim().split("\n");

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
});
