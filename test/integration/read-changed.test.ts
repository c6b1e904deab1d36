import { mkdirSync, renameSync, symlinkSync, writeFileSync } from "fs";
import { execFileSync } from "child_process";
import * as path from "path";
import { errnoOf, type SeenFile } from "../../provider/store/effects";
import { fixture } from "../support/fixtures";
import { storeTargets } from "../support/targets";
import { tempDomain } from "../support/domain";

// The effect a cached read stands on (Host.readChanged): the real path, the stat and, only when
// the file is not the one seen last, its bytes; alike on this machine and over SSH.
const ORIGINAL = fixture("domain.xml");
let domain: ReturnType<typeof tempDomain>;
beforeEach(() => (domain = tempDomain(ORIGINAL)));
afterEach(() => domain.cleanup());

describe.each(storeTargets())("readChanged through the $name effects", (target) => {
  beforeAll(() => target.start(), 60_000);
  if (target.name === "ssh") jest.setTimeout(60_000);
  afterAll(() => target.stop());

  const read = (p: string, seen?: SeenFile) => target.host().readChanged(p, seen);
  const seenOf = (r: Awaited<ReturnType<typeof read>>): SeenFile => ({ real: r.real, ...r.st });

  it("gives the bytes of a file not seen before, and none while it stays as seen", async () => {
    const first = await read(domain.file);
    expect(first.real).toBe(domain.file);
    expect(first.st.isFile).toBe(true);
    expect(first.bytes?.toString("utf8")).toBe(ORIGINAL);
    const again = await read(domain.file, seenOf(first));
    expect(again.bytes).toBeUndefined();
    expect(again.st.ino).toBe(first.st.ino);
    expect(again.st.mtimeNs).toBe(first.st.mtimeNs);
  });

  it("gives the bytes again once the file changed in place or was replaced", async () => {
    const first = await read(domain.file);
    writeFileSync(domain.file, ORIGINAL.replace("<domain", "<domain note='x'"));
    const inPlace = await read(domain.file, seenOf(first));
    expect(inPlace.bytes?.toString("utf8")).toContain("note='x'");
    // The same size and text, another inode: still another file.
    const other = `${domain.file}.new`;
    writeFileSync(other, ORIGINAL);
    const before = await read(domain.file);
    writeFileSync(other, before.bytes as Buffer);
    renameSync(other, domain.file);
    const replaced = await read(domain.file, seenOf(before));
    expect(replaced.st.ino).not.toBe(before.st.ino);
    expect(replaced.bytes?.equals(before.bytes as Buffer)).toBe(true);
  });

  it("resolves links to the real file, and a file seen under another real path is read", async () => {
    const real = path.join(domain.dir, "real-domain.xml");
    renameSync(domain.file, real);
    symlinkSync(real, domain.file);
    const r = await read(domain.file);
    expect(r.real).toBe(real);
    expect(r.bytes?.toString("utf8")).toBe(ORIGINAL);
    const moved = await read(domain.file, { ...seenOf(r), real: `${real}.elsewhere` });
    expect(moved.bytes?.toString("utf8")).toBe(ORIGINAL);
  });

  it("gives no bytes for a directory or a FIFO, and ENOENT for a missing file", async () => {
    const dir = path.join(domain.dir, "a-dir");
    mkdirSync(dir);
    const d = await read(dir);
    expect(d.st.isDirectory).toBe(true);
    expect(d.bytes).toBeUndefined();
    const fifo = path.join(domain.dir, "a-fifo");
    execFileSync("mkfifo", [fifo]);
    const f = await read(fifo);
    expect(f.st.isFile).toBe(false);
    expect(f.bytes).toBeUndefined();
    const missing = await read(path.join(domain.dir, "nope.xml")).catch((e: unknown) => e);
    expect(errnoOf(missing)).toBe("ENOENT");
  });
});
