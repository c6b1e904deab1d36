// Benchmark: 5,000 Machine creates arriving at once against one domain.xml, as the engine sends
// a wave of parallel steps, through the provider's own code in one process. The baseline,
// measured in the same run, is one parse + serialize of the resulting ~0.5 MB file: a linear edit
// path costs a small multiple of it, a quadratic one hundreds.
//
//   npm run bench:store
import { readFileSync, rmSync } from "fs";
import { parseXml, serializeXml } from "../provider/domain/xml";
import { poolDomain, seedMachines } from "./pool";

const N = Number(process.env.BENCH_MACHINES ?? 5000);

function ms(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e6;
}

async function main(): Promise<void> {
  const { dir, file } = await poolDomain("gf-ims-bench-");
  try {
    const start = process.hrtime.bigint();
    await seedMachines(file, N);
    const edits = ms(start);
    const text = readFileSync(file, "utf8");
    const found = (text.match(/<machines /g) ?? []).length;
    const rounds = 10;
    const base = process.hrtime.bigint();
    for (let k = 0; k < rounds; k++) serializeXml(parseXml(text, file));
    const one = ms(base) / rounds;
    console.log(
      `| ${N} machine creates at once | ${edits.toFixed(0)} ms | ${found}/${N} in the file |`,
    );
    console.log(
      `| baseline: one parse + serialize of the ${(text.length / 1024).toFixed(0)} KB result | ${one.toFixed(1)} ms | |`,
    );
    console.log(
      `ratio: ${(edits / one).toFixed(1)}x one parse + serialize (${(edits / N).toFixed(3)} ms per machine)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
