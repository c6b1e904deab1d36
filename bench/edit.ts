// Benchmark: one edit of a 1 MB domain.xml, inside the provider process (issue 12, target 5:
// p50 <= 20 ms). A domain with BENCH_MACHINES fixed-IP machines (about 1 MB at 10,000) gets
// BENCH_EDITS machine creates one after another, as the engine hands them over during an `up`:
// each is a whole read-check-edit-write of the file. Twice: in the process that seeded the file
// (its tree holds every machine as built, which is what an `up` creating thousands of machines
// edits), then in a new process (as an `up` meets a file written before: its tree is read from
// the file). The baseline, measured in the same run, is the floor of any durable edit of that
// file: read it, write a temp file, fsync, rename.
//
// When a p50 misses the target, the top self-time functions of a profiled run of the same
// creates are printed (not timed: profiling slows them); BENCH_PROFILE=0 never profiles,
// BENCH_PROFILE=1 always does.
//
//   npm run bench:edit                     # BENCH_MACHINES=10000 BENCH_EDITS=200
import { spawnSync } from "child_process";
import { rmSync, statSync } from "fs";
import { Session } from "inspector";
import * as machine from "../provider/resources/machine";
import { durableRewrite, machineIp, poolDomain, seedMachines } from "./pool";
import { addSelfTimes, topSelfTimes, type CpuProfile } from "./profile";

const MACHINES = Number(process.env.BENCH_MACHINES ?? 10000);
const EDITS = Number(process.env.BENCH_EDITS ?? 200);
const PROFILE = process.env.BENCH_PROFILE ?? "missed";
const TARGET_MS = 20;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

async function timed(n: number, f: (k: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const t = process.hrtime.bigint();
    await f(k);
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out;
}

function post(s: Session, method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) =>
    s.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

/** Runs `f` under the CPU profiler; the 15 functions with the most self time, as lines. */
async function profiled(f: () => Promise<unknown>): Promise<string[]> {
  const session = new Session();
  session.connect();
  try {
    await post(session, "Profiler.enable");
    await post(session, "Profiler.start");
    await f();
    const { profile } = (await post(session, "Profiler.stop")) as { profile: CpuProfile };
    return topSelfTimes(addSelfTimes(profile), 15);
  } finally {
    session.disconnect();
  }
}

/** `EDITS` creates named `<prefix><k>` with ips after `first`, each timed. */
function createEach(file: string, prefix: string, first: number): Promise<number[]> {
  return timed(EDITS, (k) =>
    machine.create({
      domainXml: file,
      serverPool: "cloud",
      name: `${prefix}${k}`,
      ip: machineIp(first + k),
      verifyConnection: false,
    }),
  );
}

/** What the new process does (BENCH_EDIT_FILE): its creates' times, or their profile. */
async function inNewProcess(file: string, mode: string): Promise<unknown> {
  const first = MACHINES + 2 * EDITS;
  if (mode === "profile") return profiled(() => createEach(file, "g", first + EDITS));
  return createEach(file, "f", first);
}

/** The creates in a new process, which reads the file as an `up` would. */
function newProcess<T>(file: string, mode: "time" | "profile"): T {
  const child = spawnSync(process.execPath, [__filename], {
    env: { ...process.env, BENCH_EDIT_FILE: file, BENCH_EDIT_MODE: mode },
    encoding: "utf8",
  });
  if (child.status !== 0) throw new Error(`the new process failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as T;
}

const row = (what: string, xs: number[]) =>
  `| ${what} (p50 / p90 of ${EDITS}) | ${quantile(xs, 0.5).toFixed(1)} ms / ${quantile(xs, 0.9).toFixed(1)} ms |`;

async function main(): Promise<void> {
  const only = process.env.BENCH_EDIT_FILE;
  if (only) {
    const out = await inNewProcess(only, process.env.BENCH_EDIT_MODE ?? "time");
    process.stdout.write(JSON.stringify(out));
    return;
  }
  const { dir, file } = await poolDomain("gf-ims-bench-edit-");
  try {
    // Seeding goes through the provider's own batching: all at once.
    await seedMachines(file, MACHINES);
    const size = statSync(file).size;
    const base = await timed(EDITS, () => durableRewrite(file));
    const built = await createEach(file, "e", MACHINES);
    const fresh = newProcess<number[]>(file, "time");
    const b50 = quantile(base, 0.5);
    console.log(`| domain.xml | ${(size / 1024 / 1024).toFixed(2)} MB, ${MACHINES} machines |`);
    console.log(row("one machine create, in the process that built them", built));
    console.log(row("one machine create, in a new process", fresh));
    console.log(
      `| baseline: read + temp write + fsync + rename (p50 / p90) | ${b50.toFixed(1)} ms / ${quantile(base, 0.9).toFixed(1)} ms |`,
    );
    const cases = [
      {
        what: "in the process that built them",
        xs: built,
        profile: () => profiled(() => createEach(file, "p", MACHINES + EDITS)),
      },
      {
        what: "in a new process",
        xs: fresh,
        profile: async () => newProcess<string[]>(file, "profile"),
      },
    ];
    for (const c of cases) {
      const p50 = quantile(c.xs, 0.5);
      const met = p50 <= TARGET_MS;
      console.log(
        `ratio ${c.what}: ${(p50 / b50).toFixed(2)}x the durable-rewrite floor; p50 ${p50.toFixed(1)} ms, target <= ${TARGET_MS} ms: ${met ? "met" : "MISSED"}`,
      );
      if (PROFILE === "0" || (met && PROFILE !== "1")) continue;
      const top = await c.profile();
      console.log(`profile of the same creates ${c.what} (self time, a profiled run):`);
      console.log(top.join("\n"));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
