import { spawn, spawnSync, type ChildProcess } from "child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import { domainDirsOf } from "../../provider/domain/glassfish";

/** The GlassFish release the tests start: the newest 7.0 on Maven Central when they were written. */
export const GLASSFISH_VERSION = "7.0.21";

const FETCH = path.join(__dirname, "..", "..", "scripts", "fetch-glassfish.sh");

/** Where GlassFish is installed, or why it cannot run here (the tests skip with that reason). */
export type GlassFishInstall = { home: string; fetchMs: number } | { skip: string };

function works(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: "ignore" }).status === 0;
}

/**
 * Finds or fetches GlassFish `version` (scripts/fetch-glassfish.sh: Maven, cached in ~/.m2 and
 * unpacked under ~/.cache/glassfish-ims). Never throws: a missing tool or a failed download is a
 * reason to skip.
 */
export function glassFishInstall(version = GLASSFISH_VERSION): GlassFishInstall {
  if (process.platform !== "linux" || process.getuid?.() !== 0) {
    return {
      skip: "a real GlassFish runs in a loopback-only network namespace, which needs root on Linux",
    };
  }
  if (!works("unshare", ["--version"]) || !works("nsenter", ["--version"])) {
    return { skip: "unshare and nsenter (util-linux) are not installed" };
  }
  if (!works("java", ["-version"]))
    return { skip: "Java is not installed (GlassFish 7 needs 11+)" };
  if (!works("mvn", ["-v"])) return { skip: "Maven is not installed (it fetches GlassFish)" };
  const t = Date.now();
  const r = spawnSync("bash", [FETCH, version], { encoding: "utf8", timeout: 15 * 60_000 });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || "").trim().split("\n").slice(-5).join(" | ");
    return { skip: `GlassFish ${version} could not be fetched from Maven Central: ${why}` };
  }
  return { home: r.stdout.trim(), fetchMs: Date.now() - t };
}

/** Every process whose command line names a domain directory `which` accepts. */
function processesNaming(which: (dir: string) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
    } catch {
      continue;
    }
    if (domainDirsOf(cmdline).some((d) => which(d.dir))) pids.push(Number(entry));
  }
  return pids;
}

/** Every process whose command line names `domainDir` as its domain (the DAS JVM and its helpers). */
export function processesOf(domainDir: string): number[] {
  return processesNaming((dir) => dir === domainDir);
}

function kill(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const TEMP_PREFIX = path.join(os.tmpdir(), "gf-ims-glassfish-");

/**
 * Kills the GlassFish processes, and removes the domain copies, of test processes that died
 * without cleaning up (a run killed with SIGKILL cannot run its exit hook). Temp directories
 * carry the test process's pid for this.
 */
export function sweepAbandonedGlassFish(): void {
  const owner = (dir: string) => Number(/^(\d+)-/.exec(dir.slice(TEMP_PREFIX.length))?.[1]);
  const orphaned = (dir: string) =>
    dir.startsWith(TEMP_PREFIX) && Number.isInteger(owner(dir)) && !alive(owner(dir));
  kill(processesNaming(orphaned));
  for (const name of readdirSync(os.tmpdir())) {
    const dir = path.join(os.tmpdir(), name);
    if (orphaned(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

/** Polls `ok` every 100 ms until it holds; rejects after `timeoutMs`. */
export async function waitFor(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const live = new Set<GlassFishDomain>();
let exitHook = false;

/** What `asadmin` printed, its exit status and how long it took. */
export interface AsadminResult {
  code: number;
  output: string;
  ms: number;
}

/**
 * A copy of GlassFish's `domain1` in a temp directory, started and stopped with `asadmin` inside a
 * loopback-only network namespace (GlassFish binds 0.0.0.0). {@link destroy} kills every process
 * of the domain and removes the copy; a process exit does the same for what is left.
 */
export class GlassFishDomain {
  /** The domain directory (`<tmp>/domains/domain1`). */
  readonly dir: string;
  /** Its `config/domain.xml`. */
  readonly file: string;
  /** Its `config/pid`, present while the DAS runs. */
  readonly pidFile: string;
  private readonly root: string;
  private starter: ChildProcess | undefined;

  private constructor(readonly home: string) {
    this.root = mkdtempSync(`${TEMP_PREFIX}${process.pid}-`);
    this.dir = path.join(this.root, "domains", "domain1");
    this.file = path.join(this.dir, "config", "domain.xml");
    this.pidFile = path.join(this.dir, "config", "pid");
  }

  /** Copies the installation's pristine `domain1` into a fresh temp directory. */
  static create(home: string): GlassFishDomain {
    sweepAbandonedGlassFish();
    const d = new GlassFishDomain(home);
    live.add(d);
    if (!exitHook) {
      exitHook = true;
      process.on("exit", () => live.forEach((l) => l.destroy()));
    }
    mkdirSync(path.dirname(d.dir), { recursive: true });
    cpSync(path.join(home, "glassfish", "domains", "domain1"), d.dir, { recursive: true });
    return d;
  }

  private get asadmin(): string {
    return path.join(this.home, "bin", "asadmin");
  }

  /**
   * Runs `asadmin start-domain` in a new network namespace with only loopback up; resolves when
   * asadmin returns (the DAS has started, ~22 s). The DAS keeps the namespace alive.
   */
  start(): Promise<AsadminResult> {
    const t = Date.now();
    const child = spawn(
      "unshare",
      [
        "-n",
        "sh",
        "-c",
        'ip link set lo up && exec "$0" start-domain --domaindir "$1" domain1',
        this.asadmin,
        path.dirname(this.dir),
      ],
      { detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    this.starter = child;
    let output = "";
    child.stdout!.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr!.on("data", (b: Buffer) => (output += b.toString()));
    return new Promise((resolve) =>
      child.on("close", (code) => resolve({ code: code ?? 1, output, ms: Date.now() - t })),
    );
  }

  /** The running DAS JVM's pid (the one whose command line names the domain directory). */
  dasPid(): number | undefined {
    return processesOf(this.dir)[0];
  }

  /** `asadmin stop-domain`, run inside the DAS's network namespace where its admin port is. */
  stop(): AsadminResult {
    const pid = this.dasPid();
    if (pid === undefined) throw new Error(`no GlassFish process names ${this.dir}`);
    const t = Date.now();
    const r = spawnSync(
      "nsenter",
      [
        `--net=/proc/${pid}/ns/net`,
        this.asadmin,
        "stop-domain",
        "--domaindir",
        path.dirname(this.dir),
        "domain1",
      ],
      { encoding: "utf8", timeout: 120_000 },
    );
    return { code: r.status ?? 1, output: `${r.stdout}${r.stderr}`, ms: Date.now() - t };
  }

  /** Kills every process of the domain (also on a failed test) and removes the copy. */
  destroy(): void {
    if (this.starter?.pid && this.starter.exitCode === null) {
      try {
        process.kill(-this.starter.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    kill(processesOf(this.dir));
    if (existsSync(this.root)) rmSync(this.root, { recursive: true, force: true });
    live.delete(this);
  }
}
