// Benchmark: the provider against the engine's own floor, through the real `pulumi` CLI.
//
// The FLOOR is the same stack made of a no-op dynamic provider: one root, one pool-like resource
// and N leaves with the same string inputs and dependencies as the IMS stack (a Virtualization,
// a ServerPool, N fixed-IP Machines). It is the limit for any dynamic provider. Both stacks run in
// the same process tree, alternately, so the machine's load falls on both alike; the ratio is
// provider / floor, medians over BENCH_RUNS pairs.
//
//   npm run bench:engine                          # BENCH_N=100,500 BENCH_RUNS=1
//   BENCH_N=2000 BENCH_OPS=up BENCH_SKIP_CHECKPOINTS=both npm run bench:engine
//   BENCH_PROFILE=1 ...                           # CPU profiles of program and provider
//
// Operations (BENCH_OPS, comma-separated): up (from empty), preview (no change), change (`up`
// changing one machine's ip), destroy. BENCH_SKIP_CHECKPOINTS: off (default), on, or both.
// Printed per operation: both wall times, the ratio, the peak RSS of the program and provider
// processes, and the state size per leaf; with BENCH_PROFILE=1 the top self-time functions of
// each process.
import { spawn } from "child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "fs";
import * as os from "os";
import * as path from "path";
import { summarizeProfiles } from "./profile";

const ROOT = path.resolve(__dirname, "..", "..");
const SIZES = (process.env.BENCH_N ?? "100,500").split(",").map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const OPS = (process.env.BENCH_OPS ?? "up,preview,change,destroy").split(",");
const CHECKPOINTS = process.env.BENCH_SKIP_CHECKPOINTS ?? "off";
const PROFILE = process.env.BENCH_PROFILE === "1";
/** How the stack's glassfish-ims is installed: `link` (this checkout) or `copy` (as from npm). */
const INSTALL = process.env.BENCH_INSTALL ?? "copy";

type Variant = "floor" | "ims";

/** The leaves' inputs are the same strings in both programs: a machine's fixed ip. */
const COMMON = `
const pulumi = require("@pulumi/pulumi");
const n = Number(process.env.BENCH_N);
const change = process.env.BENCH_CHANGE === "1";
const domainXml = process.env.BENCH_DOMAIN_XML;
const ip = (i) => "10." + (128 + (i >> 16)) + "." + ((i >> 8) & 255) + "." + ((i & 255) || 1);
const ipOf = (i) => (change && i === 0 ? "10.191.255.254" : ip(i));
`;

const PROGRAMS: Record<Variant, string> = {
  floor: `${COMMON}
const noop = {
  async create(inputs) { return { id: inputs.name, outs: inputs }; },
  async update(_id, _olds, news) { return { outs: news }; },
  async delete() {},
};
class R extends pulumi.dynamic.Resource {
  constructor(name, props, opts) { super(noop, name, props, opts, "floor", "R"); }
}
const root = new R("kvm", { domainXml, name: "kvm", emulator: "test" });
const pool = new R("cloud", {
  domainXml: root.domainXml, virtualization: root.name, name: "cloud",
  subnet: "10.128.0.0/10", portNames: ["br0"],
});
for (let i = 0; i < n; i++) {
  new R("m" + i, {
    domainXml: pool.domainXml, serverPool: pool.name, name: "m" + i, ip: ipOf(i),
    verifyConnection: false,
  });
}
`,
  ims: `${COMMON}
const ims = require("glassfish-ims");
const root = new ims.Virtualization("kvm", { domainXml, emulator: "test" });
const pool = new ims.ServerPool("cloud", {
  virtualization: root, subnet: "10.128.0.0/10", portNames: ["br0"],
});
for (let i = 0; i < n; i++) {
  new ims.Machine("m" + i, { serverPool: pool, ip: ipOf(i), verifyConnection: false });
}
`,
};

interface Peak {
  program: number;
  provider: number;
}

interface Measured {
  ms: number;
  peakKb: Peak;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

/** A copy of this package as `npm install` lays it out: package.json and dist, real files. */
function installCopy(nodeModules: string): void {
  const dest = path.join(nodeModules, "glassfish-ims");
  mkdirSync(dest, { recursive: true });
  writeFileSync(path.join(dest, "package.json"), readFileSync(path.join(ROOT, "package.json")));
  const copy = (from: string, to: string): void => {
    mkdirSync(to, { recursive: true });
    for (const e of readdirSync(from, { withFileTypes: true })) {
      if (e.isDirectory()) copy(path.join(from, e.name), path.join(to, e.name));
      else if (e.name.endsWith(".js")) {
        writeFileSync(path.join(to, e.name), readFileSync(path.join(from, e.name)));
      }
    }
  };
  for (const dir of ["provider", "sdk"]) {
    copy(path.join(ROOT, "dist", dir), path.join(dest, "dist", dir));
  }
}

class Stack {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly profiles: string;

  constructor(
    readonly base: string,
    readonly variant: Variant,
    readonly n: number,
    skipCheckpoints: boolean,
  ) {
    this.dir = path.join(base, variant);
    this.profiles = path.join(base, `${variant}-profiles`);
    const domain = path.join(base, `${variant}-domain`, "config", "domain.xml");
    mkdirSync(path.dirname(domain), { recursive: true });
    writeFileSync(domain, readFileSync(path.join(ROOT, "test", "fixtures", "domain.xml")));
    mkdirSync(path.join(this.dir, "node_modules"), { recursive: true });
    // The program's dependencies come from this checkout's node_modules, one link per package,
    // so that glassfish-ims itself can be a real copy (as installed from the registry).
    const top = path.join(ROOT, "node_modules");
    for (const name of readdirSync(top)) {
      if (name === "glassfish-ims" || name.startsWith(".")) continue;
      symlinkSync(path.join(top, name), path.join(this.dir, "node_modules", name));
    }
    if (INSTALL === "copy") installCopy(path.join(this.dir, "node_modules"));
    else symlinkSync(ROOT, path.join(this.dir, "node_modules", "glassfish-ims"));
    writeFileSync(
      path.join(this.dir, "Pulumi.yaml"),
      `name: bench-${variant}\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n`,
    );
    writeFileSync(path.join(this.dir, "index.js"), PROGRAMS[variant]);
    writeFileSync(path.join(this.dir, "package.json"), `{"name": "bench-${variant}"}\n`);
    mkdirSync(path.join(base, `${variant}-state`), { recursive: true });
    mkdirSync(path.join(base, `${variant}-home`), { recursive: true });
    this.env = {
      ...process.env,
      PULUMI_HOME: path.join(base, `${variant}-home`),
      PULUMI_BACKEND_URL: `file://${path.join(base, `${variant}-state`)}`,
      PULUMI_CONFIG_PASSPHRASE: "bench",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
      BENCH_N: String(n),
      BENCH_DOMAIN_XML: domain,
      ...(skipCheckpoints ? { PULUMI_SKIP_CHECKPOINTS: "true" } : {}),
    };
  }

  /** Runs `pulumi args`, sampling the peak RSS (VmHWM) of the processes it starts. */
  async run(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<Measured> {
    const env = { ...this.env, ...extra };
    if (PROFILE) {
      mkdirSync(this.profiles, { recursive: true });
      // The program exits by itself (--cpu-prof writes its profile); the engine ends the provider
      // with a signal, so a preloaded profiler of its own writes that one (see the file).
      const profiler = path.join(ROOT, "bench", "provider-profiler.js");
      env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${this.profiles} --require ${profiler}`;
      env.BENCH_PROFILE_DIR = this.profiles;
    }
    const started = process.hrtime.bigint();
    const child = spawn("pulumi", [...args, "--non-interactive"], {
      cwd: this.dir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const peak: Peak = { program: 0, provider: 0 };
    const marker = `PULUMI_HOME=${env.PULUMI_HOME}`;
    const sample = setInterval(() => samplePeaks(marker, peak), 100);
    const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? 1)));
    clearInterval(sample);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (code !== 0) throw new Error(`pulumi ${args.join(" ")} (${this.variant}) failed:\n${out}`);
    return { ms, peakKb: peak };
  }

  stateBytesPerLeaf(): number {
    const stacks = path.join(this.env.PULUMI_BACKEND_URL!.slice(7), ".pulumi", "stacks");
    const project = path.join(stacks, `bench-${this.variant}`);
    const file = path.join(project, "bench.json");
    return statSync(file).size / this.n;
  }
}

/** Records the peak RSS of the program (language host's node) and the dynamic provider. */
function samplePeaks(marker: string, peak: Peak): void {
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!cmd.startsWith("node") && !cmd.includes("/node\0")) continue;
      if (!readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(marker)) continue;
      const key: keyof Peak | undefined = cmd.includes("dynamic-provider")
        ? "provider"
        : cmd.includes("cmd/run")
          ? "program"
          : undefined;
      if (!key) continue;
      const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      peak[key] = Math.max(peak[key], hwm ? Number(hwm[1]) : 0);
    } catch {
      // gone meanwhile
    }
  }
}

interface Row {
  op: string;
  floor: Measured[];
  ims: Measured[];
}

async function oneSize(n: number, skipCheckpoints: boolean): Promise<void> {
  const base = mkdtempSync(path.join(os.tmpdir(), "gf-ims-bench-engine-"));
  const rows = new Map<string, Row>();
  const add = (op: string, v: Variant, m: Measured) => {
    const row = rows.get(op) ?? { op, floor: [], ims: [] };
    row[v].push(m);
    rows.set(op, row);
  };
  const state: Record<Variant, number> = { floor: 0, ims: 0 };
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const variant of ["floor", "ims"] as const) {
        const s = new Stack(path.join(base, `run${run}`), variant, n, skipCheckpoints);
        await s.run(["stack", "init", "bench"]);
        // Not part of any measurement: `up` starts from an empty stack.
        const up = await s.run(["up", "--yes", "--skip-preview"]);
        if (OPS.includes("up")) add("up", variant, up);
        state[variant] = s.stateBytesPerLeaf();
        if (OPS.includes("preview")) add("preview", variant, await s.run(["preview"]));
        if (OPS.includes("change")) {
          const m = await s.run(["up", "--yes", "--skip-preview"], { BENCH_CHANGE: "1" });
          add("change", variant, m);
        }
        if (OPS.includes("destroy")) {
          add("destroy", variant, await s.run(["destroy", "--yes", "--skip-preview"]));
        }
      }
    }
    const title = `N=${n}, PULUMI_SKIP_CHECKPOINTS=${skipCheckpoints}, ${RUNS} run(s), glassfish-ims installed as ${INSTALL}`;
    console.log(`\n${title}`);
    console.log(
      "| operation | floor | glassfish-ims | ratio | program peak RSS (floor / ims) | provider peak RSS (floor / ims) |",
    );
    console.log("|---|---|---|---|---|---|");
    for (const r of rows.values()) {
      const f = median(r.floor.map((m) => m.ms));
      const g = median(r.ims.map((m) => m.ms));
      const mb = (ms: Measured[], k: keyof Peak) =>
        (Math.max(...ms.map((m) => m.peakKb[k])) / 1024).toFixed(0);
      console.log(
        `| ${r.op} | ${(f / 1000).toFixed(2)} s | ${(g / 1000).toFixed(2)} s | ${(g / f).toFixed(2)}x | ${mb(r.floor, "program")} / ${mb(r.ims, "program")} MB | ${mb(r.floor, "provider")} / ${mb(r.ims, "provider")} MB |`,
      );
    }
    console.log(
      `state per leaf: floor ${(state.floor / 1024).toFixed(2)} KB, glassfish-ims ${(state.ims / 1024).toFixed(2)} KB (${(state.ims / state.floor).toFixed(2)}x)`,
    );
    if (PROFILE) {
      for (const variant of ["floor", "ims"] as const) {
        const dir = path.join(base, "run0", `${variant}-profiles`);
        console.log(`\nprofiles of ${variant} (all operations):`);
        console.log(summarizeProfiles(dir, 12));
      }
    }
  } finally {
    if (!process.env.BENCH_KEEP) rmSync(base, { recursive: true, force: true });
    else console.log(`kept ${base}`);
  }
}

async function main(): Promise<void> {
  const modes = CHECKPOINTS === "both" ? [false, true] : [CHECKPOINTS === "on"];
  for (const n of SIZES) for (const skip of modes) await oneSize(n, skip);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
