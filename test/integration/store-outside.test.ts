import { spawn } from "child_process";
import * as path from "path";
import { findVirtualization } from "../../provider/domain/ims";
import { readDomain } from "../../provider/domain/store";
import { fixture } from "../unit/helpers";
import { tempDomain } from "./tmp";

let domain: ReturnType<typeof tempDomain>;
beforeEach(() => (domain = tempDomain(fixture("domain.xml"))));
afterEach(() => domain.cleanup());

const dist = path.join(__dirname, "..", "..", "dist", "provider", "resources", "virtualization.js");

/** A process creating `n` virtualizations; prints the names whose create reported success. */
function stack(prefix: string, n: number): Promise<{ ok: string[]; failed: string[] }> {
  const code = `const v = require(${JSON.stringify(dist)});
    const ok = [], failed = [];
    Promise.all(Array.from({ length: ${n} }, (_, i) => new Promise((r) => setTimeout(r, i * 7)).then(() =>
      v.create({ domainXml: ${JSON.stringify(domain.file)}, name: "${prefix}" + i, emulator: "test" })
        .then(() => ok.push("${prefix}" + i), (e) => failed.push("${prefix}" + i + ": " + e.message)))))
      .then(() => console.log(JSON.stringify({ ok, failed })));`;
  return run(code) as Promise<{ ok: string[]; failed: string[] }>;
}

/**
 * A writer that ignores the lock, like `sed -i`: reads the file, adds one element to an
 * unrelated part, writes a temp file and renames it over, every few milliseconds until `stop`
 * exists. Prints how many writes it made.
 */
function outsideWriter(stop: string): Promise<{ writes: number }> {
  const code = `const fs = require("fs");
    const file = ${JSON.stringify(domain.file)};
    let i = 0;
    (function loop() {
      if (fs.existsSync(${JSON.stringify(stop)})) return console.log(JSON.stringify({ writes: i }));
      const text = fs.readFileSync(file, "utf8");
      fs.writeFileSync(file + ".sed" + i, text.replace("<system-applications>", "<system-applications><outside n=\\"" + i + "\\"/>"));
      fs.renameSync(file + ".sed" + i, file);
      i++;
      setTimeout(loop, 2 + Math.floor(Math.random() * 8));
    })();`;
  return run(code) as Promise<{ writes: number }>;
}

function run(code: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", (c) => (c === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${c}`))));
  });
}

describe("writers that ignore the lock", () => {
  it("reports no create as done that is not in the file, and keeps every outside write", async () => {
    const stop = path.join(domain.dir, "stop");
    const outside = outsideWriter(stop);
    const stacks = await Promise.all([stack("p", 40), stack("q", 40), stack("r", 40)]);
    require("fs").writeFileSync(stop, "");
    const { writes } = await outside;
    const { doc, text } = await readDomain(domain.file);
    const reported = stacks.flatMap((s) => s.ok);
    const lostOurs = reported.filter((n) => !findVirtualization(doc, n));
    const lostOutside = Array.from({ length: writes }, (_, i) => i).filter(
      (i) => !text.includes(`<outside n="${i}"/>`),
    );
    const failed = stacks.flatMap((s) => s.failed);
    console.log(
      `outside writes ${writes}, lost ${lostOutside.length}; creates reported done ${reported.length}, lost ${lostOurs.length}; reported failed ${failed.length}`,
    );
    expect(writes).toBeGreaterThan(20);
    expect(lostOurs).toEqual([]);
    expect(lostOutside).toEqual([]);
    for (const f of failed) expect(f).toMatch(/CONCURRENT_MODIFICATION/);
  }, 120000);
});
