// Benchmark: one edit of a large domain.xml (default 50 MB), in a child process of its own so its
// peak RSS (getrusage maxrss) belongs to that edit alone. The baseline, measured in the same run,
// is a child that loads the same modules and only reads the file into memory. The ratio of the
// edit's peak RSS to the file size is the number that matters (the bound is 4x); for small files
// Node's own ~45 MB dominate it, so the growth over the baseline is printed too.
//
//   npm run build && node dist/bench/large-file.js          # BENCH_MB=50 by default
import { spawnSync } from "child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";

const MB = Number(process.env.BENCH_MB ?? 50);

/** A domain.xml of about `mb` megabytes: the test fixture with many system properties. */
export function largeDomain(fixture: string, mb: number): string {
  const line = (i: number) =>
    `    <system-property name="bench.property.${i}" value="a value that pads the file to size ${i}"></system-property>\n`;
  const parts: string[] = [];
  let size = fixture.length;
  for (let i = 0; size < mb * 1024 * 1024; i++) {
    const l = line(i);
    parts.push(l);
    size += l.length;
  }
  return fixture.replace(
    "</domain>",
    `  <bench-padding>\n${parts.join("")}  </bench-padding>\n</domain>`,
  );
}

/** Runs one edit (or the read-only baseline) in a child, with the store of `benchDir/..`; its time and peak RSS. */
export function child(
  mode: "edit" | "read",
  file: string,
  benchDir = __dirname,
): { ms: number; rssKb: number } {
  const store = path.join(benchDir, "..", "provider", "store", "store.js");
  const code =
    mode === "edit"
      ? `const s = require(${JSON.stringify(store)});
         const t = process.hrtime.bigint();
         s.editDomain(${JSON.stringify(file)}, (doc) => {
           doc.root.open = doc.root.open.replace("<domain ", '<domain bench="1" ');
           return { value: 1, changed: true };
         }).then(() => console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - t) / 1e6, rssKb: process.resourceUsage().maxRSS })));`
      : `require(${JSON.stringify(store)});
         const t = process.hrtime.bigint();
         require("fs").readFileSync(${JSON.stringify(file)});
         console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - t) / 1e6, rssKb: process.resourceUsage().maxRSS }));`;
  const r = spawnSync(process.execPath, ["-e", code], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bench child failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { ms: number; rssKb: number };
}

function main(): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), "gf-ims-bench-"));
  const file = path.join(dir, "config", "domain.xml");
  mkdirSync(path.dirname(file));
  try {
    const fixture = readFileSync(
      path.join(__dirname, "..", "..", "test", "fixtures", "domain.xml"),
      "utf8",
    );
    writeFileSync(file, largeDomain(fixture, MB));
    const size = statSync(file).size;
    const read = child("read", file);
    const edit = child("edit", file);
    const mib = (kb: number) => (kb / 1024).toFixed(0);
    console.log(`| file | ${(size / 1048576).toFixed(1)} MB |`);
    console.log(
      `| read only (baseline) | ${read.ms.toFixed(0)} ms | peak RSS ${mib(read.rssKb)} MB |`,
    );
    console.log(`| one edit | ${edit.ms.toFixed(0)} ms | peak RSS ${mib(edit.rssKb)} MB |`);
    console.log(
      `ratio: peak RSS of one edit = ${((edit.rssKb * 1024) / size).toFixed(2)}x the file size (bound: 4x); growth over the baseline: ${(((edit.rssKb - read.rssKb) * 1024) / size).toFixed(2)}x`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) main();
