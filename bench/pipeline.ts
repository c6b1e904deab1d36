// Benchmark: an `up` of new machines as the engine drives the provider, inside one provider
// process. The engine runs the `check`s one after the other and starts each create once its check
// is done, without waiting for the earlier creates: so `check` waits behind the writes of the
// creates already handed over, and the creates batch while a write is under way. A domain with
// BENCH_MACHINES fixed-IP machines gets BENCH_CREATES more this way.
//
// The baseline, measured in the same run on the same file, is the floor of any provider that
// keeps the file durable with its writes batched the same way: a `check` that reads the file,
// and creates that share one read + temp write + fsync + rename while another is under way (its
// reads synchronous, as the provider's are).
//
//   npm run bench:pipeline             # BENCH_MACHINES=5000 BENCH_CREATES=500
import { promises as fs, readFileSync, rmSync } from "fs";
import * as machine from "../provider/resources/machine";
import { durableRewrite, machineIp, poolDomain, seedMachines } from "./pool";

const MACHINES = Number(process.env.BENCH_MACHINES ?? 5000);
const CREATES = Number(process.env.BENCH_CREATES ?? 500);

interface Run {
  ms: number;
  cpuMs: number;
}

/** Runs `check` then (not awaited) `create` for each of `n`, as the engine does. */
async function pipeline(
  n: number,
  check: (k: number) => Promise<Record<string, unknown>>,
  create: (inputs: Record<string, unknown>) => Promise<unknown>,
): Promise<Run> {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const creates: Array<Promise<unknown>> = [];
  for (let k = 0; k < n; k++) creates.push(create(await check(k)));
  await Promise.all(creates);
  const used = process.cpuUsage(cpu);
  return {
    ms: Number(process.hrtime.bigint() - start) / 1e6,
    cpuMs: (used.user + used.system) / 1000,
  };
}

/** The floor's create: durable rewrites of the file, one at a time, later ones sharing the next. */
function batchedRewrite(file: string): () => Promise<void> {
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const rewrite = () => durableRewrite(file);
  return () => {
    if (!running) {
      running = rewrite().finally(() => (running = undefined));
      return running;
    }
    next ??= running.then(() => {
      next = undefined;
      running = rewrite().finally(() => (running = undefined));
      return running;
    });
    return next;
  };
}

async function main(): Promise<void> {
  const { dir, file } = await poolDomain("gf-ims-bench-pipeline-");
  try {
    await seedMachines(file, MACHINES);
    const size = (await fs.stat(file)).size;
    const rewrite = batchedRewrite(file);
    const floor = await pipeline(
      CREATES,
      async () => (readFileSync(file), {}),
      () => rewrite(),
    );
    const inputs = (k: number) => ({
      domainXml: file,
      serverPool: "cloud",
      virtualization: "kvm",
      name: `e${k}`,
      ip: machineIp(MACHINES + k),
      verifyConnection: false,
    });
    const ims = await pipeline(
      CREATES,
      async (k) => {
        const checked = await machine.check({}, inputs(k));
        if (checked.failures.length > 0) throw new Error(JSON.stringify(checked.failures));
        return checked.inputs;
      },
      (i) => machine.create(i as unknown as Parameters<typeof machine.create>[0]),
    );
    const per = (r: Run) =>
      `${(r.ms / CREATES).toFixed(2)} ms (CPU ${(r.cpuMs / CREATES).toFixed(2)} ms)`;
    console.log(`| domain.xml | ${(size / 1024 / 1024).toFixed(2)} MB, ${MACHINES} machines |`);
    console.log(`| glassfish-ims: check + create, per machine (${CREATES}) | ${per(ims)} |`);
    console.log(`| floor: read + batched durable rewrite, per machine | ${per(floor)} |`);
    console.log(
      `ratio: ${(ims.ms / floor.ms).toFixed(2)}x the floor (CPU ${(ims.cpuMs / floor.cpuMs).toFixed(2)}x)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
