import { execFile, execFileSync, spawn, type ChildProcess } from "child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");

/** What one CLI run printed. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real `pulumi` CLI must be on PATH: `npm test` (scripts/test.sh) puts it there. */
export function assertPulumiCli(): void {
  try {
    execFileSync("pulumi", ["version"], { stdio: "pipe" });
  } catch {
    throw new Error(
      "the pulumi CLI is not on PATH: run the tests with `npm test`, which builds or finds it (scripts/ensure-pulumi.sh)",
    );
  }
}

/**
 * A Pulumi project copied into a temp directory with its own state backend and PULUMI_HOME,
 * driven through the real CLI. Its node_modules is the repository's, so `glassfish-ims` resolves
 * to this checkout as it would from an installed package.
 */
export class TestProject {
  readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;

  private constructor(
    readonly base: string,
    /** Wraps every CLI run, e.g. to run it as the lab's DAS (so probes stay in the lab). */
    readonly wrap?: (argv: string[]) => string[],
    extraEnv: NodeJS.ProcessEnv = {},
  ) {
    this.dir = path.join(base, "project");
    this.env = {
      ...process.env,
      ...extraEnv,
      PULUMI_HOME: path.join(base, "home"),
      PULUMI_BACKEND_URL: `file://${path.join(base, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "e2e",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
      NO_COLOR: "1",
    };
  }

  /**
   * Copies `program` (a directory with Pulumi.yaml) and creates stack `stack`; `env` adds to the
   * environment of every CLI run (e.g. `PULUMI_SKIP_CHECKPOINTS`).
   */
  static async create(
    program: string,
    stack = "e2e",
    wrap?: (argv: string[]) => string[],
    env?: NodeJS.ProcessEnv,
  ): Promise<TestProject> {
    assertPulumiCli();
    const base = mkdtempSync(path.join(os.tmpdir(), "gf-ims-e2e-"));
    const p = new TestProject(base, wrap, env);
    mkdirSync(path.join(base, "state"), { recursive: true });
    mkdirSync(path.join(base, "home"), { recursive: true });
    cpSync(program, p.dir, { recursive: true, filter: (src) => !src.includes("node_modules") });
    symlinkSync(path.join(ROOT, "node_modules"), path.join(p.dir, "node_modules"));
    await p.ok(["stack", "init", stack]);
    return p;
  }

  /** Runs `pulumi <args>` (never through a shell) and returns what it printed. */
  run(args: string[]): Promise<CliResult> {
    const argv = ["pulumi", ...args, "--non-interactive"];
    const [cmd, ...rest] = this.wrap ? this.wrap(argv) : argv;
    return new Promise((resolve) => {
      execFile(
        cmd,
        rest,
        { cwd: this.dir, env: this.env, maxBuffer: 64 << 20 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  /**
   * Starts `pulumi <args>` in a process group of its own (so a test can kill the CLI with all it
   * started, as a closed terminal or a CI timeout does: `process.kill(-child.pid, "SIGKILL")`).
   */
  start(args: string[]): ChildProcess {
    const argv = ["pulumi", ...args, "--non-interactive"];
    const [cmd, ...rest] = this.wrap ? this.wrap(argv) : argv;
    return spawn(cmd, rest, { cwd: this.dir, env: this.env, detached: true, stdio: "ignore" });
  }

  /**
   * The processes started for this project (their environment holds its PULUMI_HOME), with their
   * command lines: what a killed CLI may leave behind.
   */
  processes(): Array<{ pid: number; cmd: string }> {
    const marker = `PULUMI_HOME=${this.env.PULUMI_HOME}`;
    const out: Array<{ pid: number; cmd: string }> = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const env = readFileSync(`/proc/${entry}/environ`, "utf8");
        if (!env.split("\0").includes(marker)) continue;
        const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim();
        out.push({ pid: Number(entry), cmd });
      } catch {
        // gone meanwhile, or not ours to read
      }
    }
    return out;
  }

  /** Kills every process started for this project (Pulumi's language host outlives a killed CLI). */
  killLeftovers(): void {
    for (const p of this.processes()) {
      try {
        process.kill(p.pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  }

  /** The directory of this project's file state backend. */
  get stateDir(): string {
    return path.join(this.base, "state");
  }

  /** Runs `pulumi <args>` and fails with its whole output unless it succeeds. */
  async ok(args: string[]): Promise<CliResult> {
    const r = await this.run(args);
    if (r.code !== 0)
      throw new Error(`pulumi ${args.join(" ")} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  /** Sets a config value (as a string; use JSON for structures). */
  config(key: string, value: string): Promise<CliResult> {
    return this.ok(["config", "set", key, value]);
  }

  /** `pulumi preview --json`: the planned steps and the change summary. */
  async preview(): Promise<PreviewJson> {
    const r = await this.ok(["preview", "--json"]);
    return JSON.parse(r.stdout);
  }

  /** `pulumi up`. */
  up(): Promise<CliResult> {
    return this.ok(["up", "--yes", "--skip-preview"]);
  }

  /** `pulumi refresh`. */
  refresh(): Promise<CliResult> {
    return this.ok(["refresh", "--yes", "--skip-preview"]);
  }

  /** `pulumi destroy`. */
  destroy(): Promise<CliResult> {
    return this.ok(["destroy", "--yes", "--skip-preview"]);
  }

  /** The stack's outputs. */
  async outputs(): Promise<Record<string, unknown>> {
    return JSON.parse((await this.ok(["stack", "output", "--json", "--show-secrets"])).stdout);
  }

  /** Removes the temp directory. */
  cleanup(): void {
    rmSync(this.base, { recursive: true, force: true });
  }
}

/** What `pulumi preview --json` prints (the parts the tests read). */
export interface PreviewJson {
  steps: Array<{
    op: string;
    urn: string;
    oldState?: { inputs: Record<string, unknown>; outputs: Record<string, unknown> };
    newState?: { inputs: Record<string, unknown>; outputs: Record<string, unknown> };
  }>;
  changeSummary: Record<string, number>;
}

/** The ops planned for resources of type `type` (e.g. `Virtualization`). */
export function opsOf(preview: PreviewJson, type: string): string[] {
  return preview.steps.filter((s) => s.urn.includes(`glassfish-ims:${type}::`)).map((s) => s.op);
}
