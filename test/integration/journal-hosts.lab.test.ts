import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "fs";
import * as os from "os";
import * as path from "path";
import { DAS_IP, DasHostLab, dasHostUnavailable, type RunOutcome } from "../lab/das-host";
import { fixture } from "../support/fixtures";

// The create journal (provider/resources/journal.ts) through both of the store's effects: a
// domain.xml on this machine, and one on a DAS host whose files exist only there (the lab's; the
// provider code runs in the CI namespace). The journal sits beside the file, on the file's host,
// so a create whose result the engine never recorded resumes on either, and an element of the
// same name the resource did not write is refused on either.

jest.setTimeout(120_000);

const unavailable = dasHostUnavailable();
if (unavailable) console.warn(`SKIPPED the journal's DAS host cases: ${unavailable}`);

const DIST = path.join(__dirname, "..", "..", "dist", "provider");
const ORIGINAL = fixture("domain.xml");
const URN = "urn:pulumi:dev::p::glassfish-ims:index:Virtualization::kvm";
const OTHER = "urn:pulumi:other::q::glassfish-ims:index:Virtualization::kvm";

/** Where a case runs: its domain.xml, how its files are seen, and how provider code is called. */
interface Where {
  name: string;
  start(): Promise<void>;
  stop(): void;
  /** A fresh domain.xml holding `content`; its path. */
  put(content: string): string;
  read(file: string): string;
  /** The names in a directory of the file's host ([] when there is none). */
  list(dir: string): string[];
  /** `module.fn(...args)` of dist/provider/<module>, where the provider runs for that host. */
  call(module: string, fn: string, args: unknown[]): Promise<RunOutcome>;
  /** What a resource needs beside domainXml to reach the file. */
  inputs(): object;
  /** The file as the provider's messages name it. */
  shown(file: string): string;
}

function local(): Where {
  let dir = "";
  let n = 0;
  return {
    name: "a local domain",
    start: async () => void (dir = mkdtempSync(path.join(os.tmpdir(), "gf-ims-journal-"))),
    stop: () => rmSync(dir, { recursive: true, force: true }),
    put: (content) => {
      const file = path.join(dir, `d${++n}`, "config", "domain.xml");
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
      return file;
    },
    read: (file) => readFileSync(file, "utf8"),
    list: (d) => (existsSync(d) ? readdirSync(d).sort() : []),
    call: async (module, fn, args) => {
      try {
        return { value: await require(path.join(DIST, module))[fn](...args) };
      } catch (e) {
        return { error: { code: (e as { code?: string }).code, message: (e as Error).message } };
      }
    },
    inputs: () => ({}),
    shown: (file) => file,
  };
}

function dasHost(): Where {
  let lab: DasHostLab;
  let n = 0;
  return {
    name: "a domain on a DAS host over SSH",
    start: async () => void (lab = await DasHostLab.create()),
    stop: () => lab?.destroySync(),
    put: (content) => {
      const file = `/srv/glassfish/domains/j${++n}/config/domain.xml`;
      lab.putFile(file, content);
      return file;
    },
    read: (file) => lab.readFile(file).toString("utf8"),
    list: (d) =>
      lab
        .dasShell('[ -d "$1" ] && ls -A "$1" | sort; exit 0', d)
        .split("\n")
        .filter((l) => l !== ""),
    call: (module, fn, args) =>
      lab.run("return await require(vars.file)[vars.fn](...vars.args);", {
        file: path.join(DIST, module),
        fn,
        args,
      }),
    inputs: () => ({
      connection: { host: DAS_IP, privateKey: lab.key.privateKey, hostKey: lab.hostKey },
    }),
    shown: (file) => `root@${DAS_IP}:22:${file}`,
  };
}

const places = unavailable ? [local()] : [local(), dasHost()];

describe.each(places)("the create journal of $name", (where) => {
  beforeAll(() => where.start());
  afterAll(() => where.stop());
  const kvm = (domainXml: string, urn: string | undefined) => ({
    domainXml,
    name: "kvm",
    emulator: "kvm",
    ...where.inputs(),
    __urn: urn,
  });
  const taken = (file: string) =>
    `glassfish-ims ALREADY_EXISTS: <libvirt-virtualization name="kvm"> already exists in ${where.shown(file)}: set adopt: true to manage it, or choose another name`;

  it("takes the element its own unrecorded create wrote, and refuses it to any other", async () => {
    const file = where.put(ORIGINAL);
    const first = await where.call("resources/virtualization", "create", [kvm(file, URN)]);
    expect(first.error).toBeUndefined();
    const written = where.read(file);
    expect(written).not.toBe(ORIGINAL);
    // The claim is beside the file, on its host.
    expect(where.list(`${file}.ims-journal`)).toHaveLength(1);
    // The engine never recorded the first create (a kill, a cut connection): the next up
    // creates again, and takes the element as its result.
    const again = await where.call("resources/virtualization", "create", [kvm(file, URN)]);
    expect(again.error).toBeUndefined();
    expect(where.read(file)).toBe(written);
    for (const urn of [OTHER, undefined]) {
      const r = await where.call("resources/virtualization", "create", [kvm(file, urn)]);
      expect(r.error?.message).toBe(taken(file));
    }
    expect(where.read(file)).toBe(written);
  });

  it("claims nothing for a create that fails, and drops the claim when the element is deleted", async () => {
    const file = where.put(ORIGINAL);
    const bad = { ...kvm(file, URN), emulatorPath: "rel/kvm" };
    const refused = await where.call("resources/virtualization", "create", [bad]);
    expect(refused.error?.code).toBe("INVALID_INPUT");
    expect(where.list(path.posix.dirname(file))).toEqual(["domain.xml"]);
    const made = await where.call("resources/virtualization", "create", [kvm(file, URN)]);
    const { id, outs } = made.value as { id: string; outs: object };
    expect(where.list(`${file}.ims-journal`)).toHaveLength(1);
    const removed = await where.call("resources/virtualization", "remove", [id, outs]);
    expect(removed.error).toBeUndefined();
    expect(where.read(file)).toBe(ORIGINAL);
    expect(where.list(path.posix.dirname(file))).toEqual(["domain.xml", "domain.xml.bak"]);
  });
});
