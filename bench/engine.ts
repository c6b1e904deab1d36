// Benchmark: the provider against the engine's own floor, through the real `pulumi` CLI.
//
// The FLOOR is the same stack made of a no-op dynamic provider: one root, one pool-like resource
// and N leaves with the same string inputs and dependencies as the IMS stack (a Virtualization,
// a ServerPool, N fixed-IP Machines). It is the limit for any dynamic provider. It comes in two
// forms: the no-op provider written in the program (serialized by value into every resource's
// state) and the same provider exported by an installed package (serialized as a `require`,
// which is how glassfish-ims's own shim is stored; see sdk/shim.ts). The stacks run one after
// the other in each run, so the machine's load falls on all alike; each ratio is provider /
// floor, medians over BENCH_RUNS runs. BENCH_VARIANTS picks the stacks (floor, floor-require,
// floor-wide, ims, native-floor, plugin; default floor,ims,native-floor,plugin).
//
// The plugin mode has a floor of its own, the NATIVE FLOOR (issue 22): a no-op provider plugin
// with the same schema served by the same gRPC server code (bench/native-floor.ts), driven by the
// same program as the `plugin` stack, the IMS stack through the Node.js SDK generated from
// schema.json (scripts/gen-sdks.sh nodejs, or BENCH_SDK naming its compiled directory). Ratios
// printed: dynamic / dynamic floor, plugin / native floor, plugin / dynamic floor; issue 22's
// targets (plugin <= 1.10x the native floor per operation, its provider's peak RSS <= 1.20x)
// are printed with met / MISSED like issue 12's.
//
//   npm run bench:engine                          # BENCH_N=100,500 BENCH_RUNS=1
//   BENCH_N=2000 BENCH_OPS=up BENCH_SKIP_CHECKPOINTS=both npm run bench:engine
//   BENCH_PROFILE=1 ...                           # every run profiled (program and provider)
//
// Operations (BENCH_OPS, comma-separated): up (from empty), preview (no change), change (`up`
// changing one machine's ip), destroy. BENCH_SKIP_CHECKPOINTS: off (default), on, or both.
// Printed per operation: both wall times, the ratio, issue 12's target for it and whether it was
// met, the peak RSS of the program and provider processes, and the state size per leaf. When a
// target is missed, one more run of the floor and glassfish-ims stacks with CPU profilers on
// (unmeasured: profiling slows it) prints the top self-time functions of each process during
// each missed operation (BENCH_PROFILE=0: never; BENCH_PROFILE=1: every run profiled, and the
// profiles of all operations printed, the profilers' cost then in the times).
import { spawnSync } from "child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "fs";
import * as os from "os";
import * as path from "path";
import {
  cliEnv,
  DIST,
  installCopy,
  linkDependencies,
  median,
  ROOT,
  runPulumi,
  type Measured,
  type Peak,
} from "./cli";
import { summarizeProfiles } from "./profile";

const SIZES = (process.env.BENCH_N ?? "100,500").split(",").map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const OPS = (process.env.BENCH_OPS ?? "up,preview,change,destroy").split(",");
const CHECKPOINTS = process.env.BENCH_SKIP_CHECKPOINTS ?? "off";
const PROFILE = process.env.BENCH_PROFILE === "1";
/** Whether a missed target gets a profiled run (see the top of the file). */
const PROFILE_MISSED = process.env.BENCH_PROFILE !== "0" && !PROFILE;
/** Issue 12's targets: glassfish-ims's time over the floor's, per operation. */
const TARGETS: Record<string, number> = { up: 1.1, preview: 1.05, change: 1.1, destroy: 1.1 };
/** Issue 22's targets: the plugin's time over the native floor's, per operation. */
const PLUGIN_TARGETS: Record<string, number> = { up: 1.1, preview: 1.1, change: 1.1, destroy: 1.1 };
/** Issue 22's target for the plugin's peak RSS over the native floor's. */
const PLUGIN_RSS_TARGET = 1.2;
/** How the stack's glassfish-ims is installed: `link` (this checkout) or `copy` (as from npm). */
const INSTALL = process.env.BENCH_INSTALL ?? "copy";

/**
 * `floor`: the no-op provider as a program defines it (serialized by value into every
 * resource's state, as any dynamic provider written in the program is); `floor-require`: the
 * same no-op provider exported by an installed package (serialized as a `require`, the least any
 * dynamic provider can store); `floor-wide`: that installed no-op provider with glassfish-ims's
 * shape, the same properties handed to the SDK per resource and the same outputs stored (the
 * cost the SDK and the engine charge for the shape, with none of glassfish-ims's own work);
 * `ims`: glassfish-ims (dynamic mode); `native-floor`: the no-op plugin (bench/native-floor.ts)
 * through the generated SDK; `plugin`: glassfish-ims's plugin through the same program.
 */
type Variant = "floor" | "floor-require" | "floor-wide" | "ims" | "native-floor" | "plugin";
const VARIANTS = (process.env.BENCH_VARIANTS ?? "floor,ims,native-floor,plugin").split(
  ",",
) as Variant[];
/** The variants whose provider is a plugin serving schema.json (the rest are dynamic). */
const PLUGIN_VARIANTS: readonly Variant[] = ["native-floor", "plugin"];

/** A ratio the table prints: the time of `of` over that of `to`. */
interface Ratio {
  of: Variant;
  to: Variant;
  /** The targets per operation, when the issue set some. */
  targets?: Record<string, number>;
  /** The issue whose targets they are. */
  issue?: string;
}

/** Every ratio printed, where both variants ran: the provider over each floor of its kind. */
const RATIOS: readonly Ratio[] = [
  { of: "ims", to: "floor", targets: TARGETS, issue: "12" },
  { of: "ims", to: "floor-require" },
  { of: "ims", to: "floor-wide" },
  { of: "plugin", to: "native-floor", targets: PLUGIN_TARGETS, issue: "22" },
  { of: "plugin", to: "floor" },
];

/** The leaves' inputs are the same strings in both programs: a machine's fixed ip. */
const COMMON = `
const pulumi = require("@pulumi/pulumi");
const n = Number(process.env.BENCH_N);
const change = process.env.BENCH_CHANGE === "1";
const domainXml = process.env.BENCH_DOMAIN_XML;
// One address each, from the /10's first host address on (m0 and m1 once shared one).
const ip = (i) => { const k = i + 1; return "10." + (128 + (k >> 16)) + "." + ((k >> 8) & 255) + "." + (k & 255); };
const ipOf = (i) => (change && i === 0 ? "10.191.255.254" : ip(i));
`;

const NOOP = `{
  async create(inputs) { return { id: inputs.name, outs: inputs }; },
  async update(_id, _olds, news) { return { outs: news }; },
  async delete() {},
}`;

/**
 * The no-op provider with glassfish-ims's outputs: a leaf stores what a fixed-IP Machine does
 * (its address, how it was found, the URI, the restart flag, a digest, the state version).
 */
const NOOP_WIDE = `{
  async create(inputs) {
    const outs = inputs.ip === undefined ? { ...inputs } : {
      ...inputs, ipAddress: inputs.ip, resolvedBy: "fixed", libvirtUri: "test:///default",
    };
    return { id: inputs.name, outs: { ...outs, restartRequired: true, xmlDigest: "0123456789abcdef", stateVersion: 1 } };
  },
  async update(_id, _olds, news) { return { outs: { ...news, restartRequired: true } }; },
  async delete() {},
}`;

/** The leaves' properties as glassfish-ims's SDK hands them over: inputs, then seeded outputs. */
const WIDE_LEAF = `
    virtualization: root.name, poolSubnet: pool.subnet, parentInProgram: true,
    ipAddress: undefined, resolvedBy: undefined, resolution: undefined, discoveredVia: undefined,
    libvirtUri: undefined, hostname: undefined, libvirtVersion: undefined,
    hypervisorType: undefined, hypervisorVersion: undefined, connectionError: undefined,
    restartRequired: undefined, xmlDigest: undefined,`;

const floor = (noop: string, wide = false) => `${COMMON}
const noop = ${noop};
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
    verifyConnection: false,${wide ? WIDE_LEAF : ""}
  });
}
`;

/** The IMS stack through the generated Node.js SDK (its directory in BENCH_SDK), on a plugin. */
const SDK_PROGRAM = `${COMMON}
const ims = require(process.env.BENCH_SDK);
const root = new ims.Virtualization("kvm", { domainXml, emulator: "test" });
const pool = new ims.ServerPool("cloud", {
  domainXml: root.domainXml, virtualization: root.name, subnet: "10.128.0.0/10", portNames: ["br0"],
});
for (let i = 0; i < n; i++) {
  new ims.Machine("m" + i, {
    domainXml: pool.domainXml, serverPool: pool.name, ip: ipOf(i), verifyConnection: false,
  });
}
`;

const PROGRAMS: Record<Variant, string> = {
  "native-floor": SDK_PROGRAM,
  plugin: SDK_PROGRAM,
  floor: floor(NOOP),
  "floor-require": floor(`require("bench-noop")`),
  "floor-wide": floor(`require("bench-noop-wide")`, true),
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
    // The program's dependencies come from this checkout's node_modules, one link per package,
    // so that glassfish-ims itself can be a real copy (as installed from the registry).
    linkDependencies(path.join(this.dir, "node_modules"));
    for (const [name, code] of [
      ["bench-noop", NOOP],
      ["bench-noop-wide", NOOP_WIDE],
    ]) {
      const dir = path.join(this.dir, "node_modules", name);
      mkdirSync(dir);
      writeFileSync(path.join(dir, "package.json"), `{"name": "${name}", "main": "index.js"}\n`);
      writeFileSync(path.join(dir, "index.js"), `module.exports = ${code};\n`);
    }
    if (INSTALL === "copy") installCopy(path.join(this.dir, "node_modules"));
    else symlinkSync(ROOT, path.join(this.dir, "node_modules", "glassfish-ims"));
    let plugins = "";
    if (PLUGIN_VARIANTS.includes(variant)) {
      // The engine starts `pulumi-resource-glassfish-ims` from this directory: the real plugin
      // or the native floor, both compiled in DIST, on the node found on PATH (as bin/ does).
      const bin = path.join(base, `${variant}-plugin`);
      const main =
        variant === "plugin"
          ? path.join(DIST, "provider", "plugin", "main.js")
          : path.join(DIST, "bench", "native-floor.js");
      mkdirSync(bin, { recursive: true });
      writeFileSync(
        path.join(bin, "pulumi-resource-glassfish-ims"),
        `#!/bin/sh\nexec node ${JSON.stringify(main)} "$@"\n`,
        { mode: 0o755 },
      );
      plugins = `plugins:\n  providers:\n    - name: glassfish-ims\n      path: ${JSON.stringify(bin)}\n`;
    }
    writeFileSync(
      path.join(this.dir, "Pulumi.yaml"),
      `name: bench-${variant}\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n${plugins}`,
    );
    writeFileSync(path.join(this.dir, "index.js"), PROGRAMS[variant]);
    writeFileSync(path.join(this.dir, "package.json"), `{"name": "bench-${variant}"}\n`);
    this.env = {
      ...cliEnv(base, variant),
      BENCH_N: String(n),
      BENCH_DOMAIN_XML: domain,
      ...(PLUGIN_VARIANTS.includes(variant) ? { BENCH_SDK: nodeSdk() } : {}),
      ...(skipCheckpoints ? { PULUMI_SKIP_CHECKPOINTS: "true" } : {}),
    };
  }

  /**
   * Runs `pulumi args`, sampling the peak RSS (VmHWM) of the processes it starts; with CPU
   * profilers writing into `profiles` when given (BENCH_PROFILE=1: always, into the stack's).
   */
  async run(
    args: string[],
    extra: NodeJS.ProcessEnv = {},
    profiles = PROFILE ? this.profiles : undefined,
  ): Promise<Measured> {
    const env = { ...this.env, ...extra };
    if (profiles) {
      mkdirSync(profiles, { recursive: true });
      // The program exits by itself (--cpu-prof writes its profile); the engine ends the provider
      // with a signal, so a preloaded profiler of its own writes that one (see the file).
      const profiler = path.join(ROOT, "bench", "provider-profiler.js");
      env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${profiles} --require ${profiler}`;
      env.BENCH_PROFILE_DIR = profiles;
    }
    return runPulumi(this.dir, env, args, this.variant);
  }

  stateBytesPerLeaf(): number {
    const stacks = path.join(this.env.PULUMI_BACKEND_URL!.slice(7), ".pulumi", "stacks");
    const project = path.join(stacks, `bench-${this.variant}`);
    const file = path.join(project, "bench.json");
    return statSync(file).size / this.n;
  }
}

let sdkDir: string | undefined;

/**
 * The compiled Node.js SDK generated from schema.json: BENCH_SDK, else scripts/gen-sdks.sh's
 * (built once, then cached; needs Go the first time).
 */
function nodeSdk(): string {
  if (process.env.BENCH_SDK) return process.env.BENCH_SDK;
  if (sdkDir) return sdkDir;
  const r = spawnSync("bash", [path.join(ROOT, "scripts", "gen-sdks.sh"), "nodejs"], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`scripts/gen-sdks.sh nodejs failed:\n${r.stderr}`);
  sdkDir = path.join(r.stdout.trim().split("\n").pop() as string, "nodejs", "bin");
  return sdkDir;
}

interface Row {
  op: string;
  by: Partial<Record<Variant, Measured[]>>;
}

const LABEL: Record<Variant, string> = {
  floor: "floor",
  "floor-require": "floor (require)",
  "floor-wide": "wide floor",
  ims: "glassfish-ims",
  "native-floor": "native floor",
  plugin: "plugin",
};

async function oneSize(n: number, skipCheckpoints: boolean): Promise<void> {
  const base = mkdtempSync(path.join(os.tmpdir(), "gf-ims-bench-engine-"));
  const rows = new Map<string, Row>();
  const add = (op: string, v: Variant, m: Measured) => {
    const row = rows.get(op) ?? { op, by: {} };
    (row.by[v] ??= []).push(m);
    rows.set(op, row);
  };
  const state: Partial<Record<Variant, number>> = {};
  /**
   * One stack through the operations (after the `up` that fills it, which is always run), each
   * handed to `add`; in a profiled run, `profiled` gives the directory of each operation's
   * profiles, and the state is not measured.
   */
  const through = async (
    s: Stack,
    add: (op: string, m: Measured) => void,
    profiled?: (op: string) => string | undefined,
  ): Promise<void> => {
    const run = (op: string, args: string[], extra: NodeJS.ProcessEnv = {}) =>
      s.run(args, extra, profiled ? profiled(op) : undefined);
    await s.run(["stack", "init", "bench"]);
    // Not part of any measurement: `up` starts from an empty stack.
    const up = await run("up", ["up", "--yes", "--skip-preview"]);
    if (OPS.includes("up")) add("up", up);
    if (!profiled) state[s.variant] = s.stateBytesPerLeaf();
    if (OPS.includes("preview")) add("preview", await run("preview", ["preview"]));
    if (OPS.includes("change")) {
      add("change", await run("change", ["up", "--yes", "--skip-preview"], { BENCH_CHANGE: "1" }));
    }
    if (OPS.includes("destroy")) {
      add("destroy", await run("destroy", ["destroy", "--yes", "--skip-preview"]));
    }
  };
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const variant of VARIANTS) {
        const s = new Stack(path.join(base, `run${run}`), variant, n, skipCheckpoints);
        await through(s, (op, m) => add(op, variant, m));
      }
    }
    const title = `N=${n}, PULUMI_SKIP_CHECKPOINTS=${skipCheckpoints}, ${RUNS} run(s), glassfish-ims installed as ${INSTALL}`;
    console.log(`\n${title}`);
    const ratios = RATIOS.filter((q) => VARIANTS.includes(q.of) && VARIANTS.includes(q.to));
    const mb = (ms: Measured[] | undefined, k: keyof Peak) =>
      ms ? (Math.max(...ms.map((m) => m.peakKb[k])) / 1024).toFixed(0) : "-";
    console.log(
      `| operation | ${VARIANTS.map((v) => LABEL[v]).join(" | ")} |${ratios.map((q) => ` ${LABEL[q.of]} / ${LABEL[q.to]} |`).join("")} program peak RSS (${VARIANTS.join(" / ")}) | provider peak RSS (same order) |`,
    );
    console.log(
      `|---|${VARIANTS.map(() => "---|").join("")}${ratios.map(() => "---|").join("")}---|---|`,
    );
    /** The missed operations of each ratio with targets, by the ratio's index in `ratios`. */
    const missed = new Map<Ratio, string[]>();
    const miss = (q: Ratio, op: string) => missed.set(q, [...(missed.get(q) ?? []), op]);
    const targetLines: string[] = [];
    for (const r of rows.values()) {
      const t = (v: Variant) => median((r.by[v] ?? []).map((m) => m.ms));
      console.log(
        `| ${r.op} | ${VARIANTS.map((v) => `${(t(v) / 1000).toFixed(2)} s`).join(" | ")} |${ratios.map((q) => ` ${(t(q.of) / t(q.to)).toFixed(2)}x |`).join("")} ${VARIANTS.map((v) => mb(r.by[v], "program")).join(" / ")} MB | ${VARIANTS.map((v) => mb(r.by[v], "provider")).join(" / ")} MB |`,
      );
      for (const q of ratios) {
        const target = q.targets?.[r.op];
        if (target === undefined) continue;
        const ratio = t(q.of) / t(q.to);
        const met = ratio <= target;
        if (!met) miss(q, r.op);
        targetLines.push(
          `  ${r.op}: ${LABEL[q.of]} ${ratio.toFixed(2)}x the ${LABEL[q.to]}, target (issue ${q.issue}) <= ${target.toFixed(2)}x: ${met ? "met" : "MISSED"}`,
        );
      }
      if (VARIANTS.includes("plugin") && VARIANTS.includes("native-floor")) {
        const peak = (v: Variant) => Math.max(...(r.by[v] ?? []).map((m) => m.peakKb.provider));
        const ratio = peak("plugin") / peak("native-floor");
        const met = ratio <= PLUGIN_RSS_TARGET;
        targetLines.push(
          `  ${r.op}: plugin's provider peak RSS ${ratio.toFixed(2)}x the native floor's (${(peak("plugin") / 1024).toFixed(0)} / ${(peak("native-floor") / 1024).toFixed(0)} MB), target (issue 22) <= ${PLUGIN_RSS_TARGET.toFixed(2)}x: ${met ? "met" : "MISSED"}`,
        );
      }
    }
    for (const line of targetLines) console.log(line);
    const kb = (v: Variant) => ((state[v] ?? 0) / 1024).toFixed(2);
    console.log(
      `state per leaf: ${VARIANTS.map((v) => `${LABEL[v]} ${kb(v)} KB`).join(", ")}${ratios.map((q) => `; ${LABEL[q.of]} / ${LABEL[q.to]} ${((state[q.of] ?? 0) / (state[q.to] ?? 1)).toFixed(2)}x`).join("")}`,
    );
    console.log(
      `load average after the runs (1, 5, 15 min): ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(", ")}`,
    );
    if (PROFILE) {
      for (const variant of VARIANTS) {
        const dir = path.join(base, "run0", `${variant}-profiles`);
        console.log(`\nprofiles of ${LABEL[variant]} (all operations):`);
        console.log(summarizeProfiles(dir, 12));
      }
    }
    if (PROFILE_MISSED && missed.size > 0) {
      // One more run, profiled, of both stacks of each missed ratio (not measured).
      const dirOf = (v: Variant, op: string) => path.join(base, "profiled", `${v}-profiles-${op}`);
      const profiled = [...new Set([...missed.keys()].flatMap((q) => [q.to, q.of]))];
      for (const variant of profiled) {
        const s = new Stack(path.join(base, "profiled"), variant, n, skipCheckpoints);
        await through(
          s,
          () => undefined,
          (op) => dirOf(variant, op),
        );
      }
      for (const [q, ops] of missed) {
        for (const op of ops) {
          for (const variant of [q.to, q.of]) {
            console.log(
              `\nmissed ${op} (${LABEL[q.of]} / ${LABEL[q.to]}): profiles of ${LABEL[variant]} (a profiled run):`,
            );
            console.log(summarizeProfiles(dirOf(variant, op), 10));
          }
        }
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
