import { spawn, spawnSync } from "child_process";
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { editDomain, readDomain } from "../../provider/store/store";
import { findVirtualization } from "../../provider/domain/ims";
import { create } from "../../provider/resources/virtualization";
import { fixture } from "../support/fixtures";
import { storeTargets } from "../support/targets";
import { dasStandIn, rejection, tempDomain } from "../support/domain";

const ORIGINAL = fixture("domain.xml");
let domain: ReturnType<typeof tempDomain>;
beforeEach(() => (domain = tempDomain(ORIGINAL)));
afterEach(() => domain.cleanup());

const leftovers = () => readdirSync(path.dirname(domain.file)).filter((f) => f !== "domain.xml");

describe.each(storeTargets())("domain.xml store through the $name effects", (target) => {
  beforeAll(() => target.start(), 60_000);
  // Over SSH each edit is some 25 round trips: more than Jest's 5 s default on a loaded machine.
  if (target.name === "ssh") jest.setTimeout(120_000);
  afterAll(() => target.stop());

  const virt = (name: string) => ({
    domainXml: domain.file,
    name,
    emulator: "test" as const,
    ...target.inputs(),
  });
  const shown = () => target.shown(domain.file);

  it("applies 200 concurrent edits and loses none", async () => {
    const names = Array.from({ length: 200 }, (_, i) => `v${i}`);
    await Promise.all(names.map((n) => create(virt(n))));
    const { doc } = await readDomain(target.at(domain.file));
    expect(names.filter((n) => !findVirtualization(doc, n))).toEqual([]);
    expect(leftovers().sort()).toEqual(["domain.xml.bak"]);
  });

  it("keeps the previous content as domain.xml.bak", async () => {
    await create(virt("a"));
    expect(readFileSync(`${domain.file}.bak`, "utf8")).toBe(ORIGINAL);
  });

  it("loses no update when two processes edit the same file", async () => {
    const script = path.join(
      __dirname,
      "..",
      "..",
      "dist",
      "provider",
      "resources",
      "virtualization.js",
    );
    const run = (prefix: string) =>
      new Promise<number>((resolve) => {
        const code = `const v = require(${JSON.stringify(script)});
          Promise.all(Array.from({ length: 25 }, (_, i) => new Promise((r) => setTimeout(r, i * 3)).then(() =>
            v.create({ ...${JSON.stringify(virt("x"))}, name: "${prefix}" + i }))))
            .then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });`;
        spawn(process.execPath, ["-e", code], { stdio: ["ignore", "inherit", "inherit"] }).on(
          "exit",
          (c) => resolve(c ?? 1),
        );
      });
    expect(await Promise.all([run("p"), run("q")])).toEqual([0, 0]);
    const { doc } = await readDomain(target.at(domain.file));
    const missing = ["p", "q"]
      .flatMap((p) => Array.from({ length: 25 }, (_, i) => `${p}${i}`))
      .filter((n) => !findVirtualization(doc, n));
    expect(missing).toEqual([]);
  });

  it("recovers a lock left by a dead process", async () => {
    const dead = spawnSync(process.execPath, ["-e", "console.log(process.pid)"])
      .stdout.toString()
      .trim();
    writeFileSync(
      `${domain.file}.lock`,
      JSON.stringify({ pid: Number(dead), host: require("os").hostname(), since: "then" }),
    );
    await create(virt("a"));
    expect(existsSync(`${domain.file}.lock`)).toBe(false);
  });

  it("waits for a live lock and then names its holder", async () => {
    writeFileSync(
      `${domain.file}.lock`,
      JSON.stringify({ pid: process.pid, host: require("os").hostname(), since: "now" }),
    );
    const err = await rejection(
      editDomain(target.at(domain.file), () => ({ value: 1, changed: false }), {
        lock: { timeoutMs: 200 },
      }),
    );
    expect(err.code).toBe("LOCK_TIMEOUT");
    expect(err.message).toContain(`is locked by process ${process.pid} on`);
    expect(err.message).toContain(`If no such process runs, delete ${shown()}.lock`);
  });

  it("refuses to write while the domain runs, and writes nothing", async () => {
    const das = await dasStandIn(domain.dir);
    try {
      writeFileSync(path.join(path.dirname(domain.file), "pid"), `${das.pid}\n`);
      const err = await rejection(create(virt("a")));
      expect(err.code).toBe("DOMAIN_RUNNING");
      expect(err.message).toContain(
        `is running (process ${das.pid}, from ${target.shown(path.dirname(domain.file))}/pid)`,
      );
      expect(domain.read()).toBe(ORIGINAL);
      expect(leftovers()).toEqual(["pid"]);
    } finally {
      das.kill();
    }
  });

  it("ignores the pid file of a stopped domain", async () => {
    const dead = spawnSync(process.execPath, ["-e", "console.log(process.pid)"])
      .stdout.toString()
      .trim();
    writeFileSync(path.join(path.dirname(domain.file), "pid"), dead);
    await create(virt("a"));
  });

  it.each<[string, (file: string) => void, string, string]>([
    [
      "a missing file",
      (f) => require("fs").rmSync(f),
      "FILE_NOT_FOUND",
      "does not exist: give the path of the domain's config/domain.xml",
    ],
    [
      "malformed XML",
      (f) => writeFileSync(f, "<domain>\n  <configs>\n</domain>\n"),
      "XML_MALFORMED",
      "is not well-formed XML at line 3, column 1",
    ],
    [
      "a file without <domain>",
      (f) => writeFileSync(f, "<server/>\n"),
      "NOT_A_DOMAIN",
      "has root element <server>, not <domain>: is this a GlassFish domain.xml?",
    ],
    [
      "a read-only file",
      (f) => chmodSync(f, 0o444),
      "FILE_READONLY",
      "is read-only (mode 444): make it writable (chmod u+w) to let this change through",
    ],
  ])("fails clearly on %s and writes nothing", async (_what, spoil, code, text) => {
    spoil(domain.file);
    const before = existsSync(domain.file) ? domain.read() : undefined;
    const err = await rejection(create(virt("a")));
    expect(err.code).toBe(code);
    expect(err.message).toContain(`${shown()} ${text}`);
    expect(existsSync(domain.file) ? domain.read() : undefined).toBe(before);
    expect(leftovers()).toEqual([]);
  });

  it("lets the good edits of a batch land when one fails", async () => {
    await create(virt("taken"));
    const results = await Promise.allSettled([
      create(virt("a")),
      // Not what the first create wrote (that one would be taken as its interrupted result).
      create({ ...virt("taken"), emulator: "xen" }),
      create(virt("b")),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const { doc } = await readDomain(target.at(domain.file));
    expect(["a", "b", "taken"].every((n) => findVirtualization(doc, n))).toBe(true);
  });

  it("leaves no trace of an edit that throws after changing the tree", async () => {
    const err = await rejection(
      editDomain(target.at(domain.file), (doc) => {
        doc.root.open = "<domain broken>";
        throw new Error("half-way");
      }),
    );
    expect(err.message).toBe("half-way");
    expect(domain.read()).toBe(ORIGINAL);
  });

  it("does not lose a write made by another program during an edit", async () => {
    let outside = false;
    await editDomain(target.at(domain.file), (doc) => {
      if (!outside) {
        outside = true;
        // An asadmin that ignores our lock writes while we edit.
        writeFileSync(domain.file, ORIGINAL.replace("</domain>", "<!-- asadmin -->\n</domain>"));
      }
      doc.root.open = doc.root.open.replace("<domain ", '<domain edited="yes" ');
      return { value: undefined, changed: true };
    });
    expect(domain.read()).toContain("<!-- asadmin -->");
    expect(domain.read()).toContain('<domain edited="yes" ');
  });
});
