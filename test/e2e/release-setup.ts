import { execFile, spawnSync } from "child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "fs";
import * as os from "os";
import * as path from "path";
import type { CliResult } from "./harness";

const ROOT = path.resolve(__dirname, "..", "..");

/** The version every artifact carries (package.json's). */
export const VERSION = (
  JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }
).version;

/** The release's files by role, in dist/release/ (scripts/release.sh). */
export function artifacts(dir: string) {
  return {
    plugin: (arch: string) =>
      path.join(dir, `pulumi-resource-glassfish-ims-v${VERSION}-linux-${arch}.tar.gz`),
    npm: path.join(dir, `glassfish-ims-${VERSION}.tgz`),
    wheel: path.join(dir, `pulumi_glassfish_ims-${VERSION}-py3-none-any.whl`),
    sdist: path.join(dir, `pulumi_glassfish_ims-${VERSION}.tar.gz`),
    go: path.join(dir, `glassfish-ims-go-v${VERSION}.tar.gz`),
    sums: path.join(dir, "SHA256SUMS"),
  };
}

/**
 * Runs `npm run release` once (scripts/release.sh, cached per user on its inputs' hash): the
 * release directory, or why it could not be built.
 */
export function buildRelease(): { dir?: string; reason?: string } {
  const r = spawnSync("bash", [path.join(ROOT, "scripts", "release.sh")], {
    encoding: "utf8",
    maxBuffer: 16 << 20,
  });
  if (r.status !== 0) return { reason: `scripts/release.sh failed: ${r.stderr.trim()}` };
  return { dir: r.stdout.trim().split("\n").pop() };
}

/** Runs a setup script of the repository; the lines it printed (directories). */
export function scriptLines(name: string): string[] {
  const r = spawnSync("bash", [path.join(ROOT, "scripts", name)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`scripts/${name} failed: ${r.stderr}`);
  return r.stdout.trim().split("\n");
}

/** The directory of `cmd` on this process's PATH, if it is there. */
export function dirOnPath(cmd: string): string | undefined {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  return r.status === 0 ? path.dirname(r.stdout.trim()) : undefined;
}

const NODE_COMMANDS = new Set(["node", "nodejs", "npm", "npx", "corepack"]);

/**
 * A PATH with every command of `dirs` (first ones win) except Node.js and its package managers:
 * one directory of symlinks, under `base`. The e2e tests check that `node` is not found on it.
 */
export function pathWithoutNode(base: string, dirs: readonly string[]): string {
  const bin = path.join(base, "bin-without-node");
  mkdirSync(bin, { recursive: true });
  const seen = new Set<string>();
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir)) {
      if (NODE_COMMANDS.has(entry) || seen.has(entry)) continue;
      seen.add(entry);
      symlinkSync(path.join(dir, entry), path.join(bin, entry));
    }
  }
  return bin;
}

/**
 * A Pulumi project copied out of the repository into a fresh temp directory (so no node_modules
 * of the repository is reachable from it), with its own PULUMI_HOME and file backend, run with
 * exactly the environment given (no variable of the test process leaks in).
 */
export class FreshProject {
  readonly base: string;
  readonly dir: string;
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;

  constructor(program: string, env: NodeJS.ProcessEnv, home?: string) {
    this.base = mkdtempSync(path.join(os.tmpdir(), "gf-ims-release-"));
    this.dir = path.join(this.base, "project");
    this.home = home ?? path.join(this.base, "pulumi-home");
    mkdirSync(path.join(this.base, "state"), { recursive: true });
    mkdirSync(this.home, { recursive: true });
    cpSync(program, this.dir, { recursive: true });
    // The plugin comes from the installed tarball, not from the repository's bin/.
    const file = path.join(this.dir, "Pulumi.yaml");
    const text = readFileSync(file, "utf8");
    writeFileSync(file, text.replace(/^plugins:\n(?: {2}.*\n)+|^plugins:.*\n/m, ""));
    this.env = {
      ...env,
      PULUMI_HOME: this.home,
      PULUMI_BACKEND_URL: `file://${path.join(this.base, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "e2e",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
      NO_COLOR: "1",
    };
  }

  /** Runs a command in the project directory with the project's environment. */
  exec(cmd: string, args: readonly string[]): Promise<CliResult> {
    return new Promise((resolve) => {
      execFile(
        cmd,
        args,
        { cwd: this.dir, env: this.env, maxBuffer: 64 << 20 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  /** `pulumi <args>`; fails with the whole output unless it succeeds. */
  async ok(args: readonly string[]): Promise<CliResult> {
    const r = await this.exec("pulumi", [...args, "--non-interactive"]);
    if (r.code !== 0)
      throw new Error(`pulumi ${args.join(" ")} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  /** The stack's outputs, secrets shown. */
  async outputs(): Promise<Record<string, unknown>> {
    return JSON.parse((await this.ok(["stack", "output", "--json", "--show-secrets"])).stdout);
  }

  /** Removes everything the project made. */
  cleanup(): void {
    rmSync(this.base, { recursive: true, force: true });
  }
}
