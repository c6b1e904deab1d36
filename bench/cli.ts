// What the CLI-level benchmarks share (bench/engine, bench/remote-cli): a stack directory whose
// node_modules link this checkout's packages, the Pulumi CLI's environment on a file backend,
// one timed `pulumi` command with the peak RSS of the processes it starts, and the median.
import { spawn } from "child_process";
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "fs";
import * as path from "path";

/** The compiled tree the benchmarks run from, whose provider and SDK they install. */
export const DIST = path.resolve(__dirname, "..");
/** The checkout (node_modules, fixtures); BENCH_ROOT when running from a copy of dist. */
export const ROOT = process.env.BENCH_ROOT ?? path.resolve(DIST, "..");

/** Peak resident set sizes (KB) of the Pulumi program and of the provider during one command. */
export interface Peak {
  program: number;
  provider: number;
}

/** One timed `pulumi` command. */
export interface Measured {
  ms: number;
  peakKb: Peak;
}

/** The middle value (the lower of the two middle ones for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

/** A copy of this package as `npm install` lays it out: package.json and dist, real files. */
export function installCopy(nodeModules: string): void {
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
    copy(path.join(DIST, dir), path.join(dest, "dist", dir));
  }
}

/**
 * Links every package of this checkout's node_modules into `nodeModules`, one link per package
 * (glassfish-ims itself left out, so that it can be a real copy, as installed from the registry).
 */
export function linkDependencies(nodeModules: string): void {
  mkdirSync(nodeModules, { recursive: true });
  const top = path.join(ROOT, "node_modules");
  for (const name of readdirSync(top)) {
    if (name === "glassfish-ims" || name.startsWith(".")) continue;
    symlinkSync(path.join(top, name), path.join(nodeModules, name));
  }
}

/**
 * The Pulumi CLI's environment for one stack under `base`: its own PULUMI_HOME and file backend
 * (`<name>-home`, `<name>-state`), a fixed passphrase, no update check.
 */
export function cliEnv(base: string, name: string): NodeJS.ProcessEnv {
  const home = path.join(base, `${name}-home`);
  const state = path.join(base, `${name}-state`);
  mkdirSync(home, { recursive: true });
  mkdirSync(state, { recursive: true });
  return {
    ...process.env,
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: "bench",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
  };
}

/**
 * Runs `pulumi args --non-interactive` in `cwd`, sampling the peak RSS (VmHWM) of the program
 * and provider processes it starts (found by the PULUMI_HOME in their environment); fails with
 * the command's output when it exits non-zero. `what` names the stack in that message.
 */
export async function runPulumi(
  cwd: string,
  env: NodeJS.ProcessEnv,
  args: string[],
  what: string,
): Promise<Measured> {
  const started = process.hrtime.bigint();
  const child = spawn("pulumi", [...args, "--non-interactive"], {
    cwd,
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
  if (code !== 0) throw new Error(`pulumi ${args.join(" ")} (${what}) failed:\n${out}`);
  return { ms, peakKb: peak };
}

/**
 * Records the peak RSS of the program (the Node.js language host's program) and of the provider
 * (the dynamic provider, the glassfish-ims plugin or the native floor) whose environment holds
 * `marker`.
 */
function samplePeaks(marker: string, peak: Peak): void {
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!cmd.startsWith("node") && !cmd.includes("/node\0")) continue;
      if (!readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(marker)) continue;
      const key: keyof Peak | undefined =
        cmd.includes("dynamic-provider") ||
        cmd.includes("provider/plugin/main.js") ||
        cmd.includes("bench/native-floor.js")
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
