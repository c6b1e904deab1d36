import { spawnSync } from "child_process";
import { existsSync, readFileSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { TestProject } from "./harness";

const ROOT = path.resolve(__dirname, "..", "..");

/** The directory of the plugin `pulumi-resource-glassfish-ims` (Pulumi.yaml's plugins.providers path). */
export const PLUGIN_DIR = path.join(ROOT, "bin");

/** The plugin's type token of a resource. */
export const token = (type: string) => `glassfish-ims:index:${type}`;

function onPath(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

/**
 * Why the Pulumi YAML tests cannot run here, without building anything (for the preflight):
 * no pulumi-language-yaml on PATH, none cached, and no Go to build one.
 */
export function yamlHostUnavailable(): string | undefined {
  const cache =
    process.env.GLASSFISH_IMS_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "glassfish-ims");
  if (
    onPath("pulumi-language-yaml") ||
    existsSync(path.join(cache, "pulumi-language-yaml-v1.25.0", "bin", "pulumi-language-yaml"))
  )
    return undefined;
  if (!onPath("go"))
    return "pulumi-language-yaml is not on PATH and Go is not installed to build it (scripts/ensure-yaml.sh)";
  if (!existsSync(path.join(ROOT, "dist", "provider", "plugin", "main.js")))
    return "the plugin is not built: run npm run build";
  return undefined;
}

/**
 * Makes the Pulumi YAML host available (scripts/ensure-yaml.sh: built once, ~3 minutes, then
 * cached) and puts it on PATH for the projects created after. Returns why it cannot, if so.
 */
export function ensureYamlHost(): string | undefined {
  const quick = yamlHostUnavailable();
  if (quick) return quick;
  const r = spawnSync("bash", [path.join(ROOT, "scripts", "ensure-yaml.sh")], { encoding: "utf8" });
  if (r.status !== 0) {
    return `scripts/ensure-yaml.sh could not provide pulumi-language-yaml: ${(r.stderr || "").trim().split("\n").pop()}`;
  }
  const dir = r.stdout.trim();
  process.env.PATH = `${dir}${path.delimiter}${process.env.PATH ?? ""}`;
  return undefined;
}

/** A copy of `program` (a Pulumi YAML project) whose plugin path points at this checkout's plugin. */
export async function pluginProject(
  program: string,
  stack = "e2e",
  wrap?: (argv: string[]) => string[],
): Promise<TestProject> {
  const p = await TestProject.create(program, stack, wrap);
  const file = path.join(p.dir, "Pulumi.yaml");
  const text = readFileSync(file, "utf8");
  if (text.includes("path: ../../../../bin")) {
    writeFileSync(file, text.replace("path: ../../../../bin", `path: ${PLUGIN_DIR}`));
  } else if (!/^plugins:/m.test(text)) {
    // An example, written for the installed plugin: point it at this checkout's bin/ instead.
    const plugin = `plugins:\n  providers:\n    - name: glassfish-ims\n      path: ${PLUGIN_DIR}\n`;
    writeFileSync(file, `${text.trimEnd()}\n${plugin}`);
  } else {
    throw new Error(`${program}/Pulumi.yaml names another plugin path`);
  }
  return p;
}

/**
 * Replaces `from` by `to` in the project's Pulumi.yaml (fails when `from` is not there) and
 * returns how to put the program back as it was.
 */
export function editProgram(p: TestProject, from: string, to: string): () => void {
  const file = path.join(p.dir, "Pulumi.yaml");
  const text = readFileSync(file, "utf8");
  if (!text.includes(from)) throw new Error(`Pulumi.yaml has no ${JSON.stringify(from)}`);
  writeFileSync(file, text.replace(from, to));
  return () => writeFileSync(file, text);
}

/** One step of `pulumi preview --json` with the per-property detail the plugin gives. */
export interface DetailedStep {
  op: string;
  urn: string;
  detailedDiff?: Record<string, { kind: string; inputDiff: boolean }>;
  diffReasons?: string[];
  replaceReasons?: string[];
}

/** The steps of `pulumi preview --json` by resource name, only those that change something. */
export function changedSteps(steps: DetailedStep[]): Record<string, DetailedStep> {
  return Object.fromEntries(
    steps.filter((s) => s.op !== "same").map((s) => [s.urn.slice(s.urn.lastIndexOf("::") + 2), s]),
  );
}

/** Runs one of the project's setup scripts; its stdout lines, or why it failed. */
function script(name: string, args: string[] = []): { lines?: string[]; reason?: string } {
  const r = spawnSync("bash", [path.join(ROOT, "scripts", name), ...args], { encoding: "utf8" });
  if (r.status === 0) return { lines: r.stdout.trim().split("\n") };
  return { reason: `scripts/${name} failed: ${(r.stderr || "").trim().split("\n").pop()}` };
}

/**
 * Makes Python programs on the plugin runnable, for the projects created after: the Python host
 * and a venv with the pulumi SDK (scripts/ensure-python.sh), the generated SDK (scripts/gen-sdks.sh
 * python) installed offline into `site` (put on PYTHONPATH). Returns why it cannot, if so.
 */
export function ensurePythonHost(site: string): string | undefined {
  if (!onPath("go"))
    return "Go is not installed to build pulumi-language-python and the SDK generator";
  if (!onPath("python3")) return "python3 is not installed";
  const host = script("ensure-python.sh");
  if (!host.lines) return host.reason;
  const [bin, venv] = host.lines.slice(-2);
  const sdks = script("gen-sdks.sh", ["python"]);
  if (!sdks.lines) return sdks.reason;
  const sdk = path.join(sdks.lines[sdks.lines.length - 1], "python");
  const pip = spawnSync(
    path.join(venv, "bin", "pip"),
    [
      "install",
      "--quiet",
      "--disable-pip-version-check",
      "--no-deps",
      "--no-build-isolation",
      "--no-index",
      "--target",
      site,
      sdk,
    ],
    { encoding: "utf8" },
  );
  if (pip.status !== 0)
    return `pip could not install ${sdk}: ${pip.stderr.trim().split("\n").pop()}`;
  process.env.PATH = [bin, path.join(venv, "bin"), process.env.PATH ?? ""].join(path.delimiter);
  process.env.VIRTUAL_ENV = venv;
  process.env.PYTHONPATH = site;
  return undefined;
}

/**
 * Makes Go programs on the plugin runnable, for the projects created after: the Go host
 * (scripts/ensure-go.sh) on PATH and the generated SDK (scripts/gen-sdks.sh go, sdks/go, which a
 * program's go.mod replaces). Returns why it cannot, if so.
 */
export function ensureGoHost(): string | undefined {
  if (!onPath("go")) return "Go is not installed";
  const host = script("ensure-go.sh");
  if (!host.lines) return host.reason;
  const sdks = script("gen-sdks.sh", ["go"]);
  if (!sdks.lines) return sdks.reason;
  // The program's modules, fetched once into the module cache: without them (no module proxy)
  // the host's compile would fail the test instead of skipping it.
  const program = path.join(ROOT, "examples", "seed-go");
  const fetched = spawnSync("go", ["mod", "download"], {
    cwd: program,
    encoding: "utf8",
    env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod" },
  });
  if (fetched.status !== 0) {
    return `go mod download of ${program} failed: ${fetched.stderr.trim().split("\n").pop()}`;
  }
  process.env.PATH = `${host.lines[host.lines.length - 1]}${path.delimiter}${process.env.PATH ?? ""}`;
  process.env.GOTOOLCHAIN = "local";
  return undefined;
}

/** Points a copied Go program's `replace` of the generated SDK at this checkout's sdks/go. */
export function useLocalGoSdk(p: TestProject): void {
  const file = path.join(p.dir, "go.mod");
  const text = readFileSync(file, "utf8");
  const local = /=> (\.\.\/)+sdks\/go$/m;
  if (!local.test(text)) throw new Error(`${file} does not replace the SDK`);
  writeFileSync(file, text.replace(local, `=> ${path.join(ROOT, "sdks", "go")}`));
}

/**
 * The generated Node.js SDK, compiled (scripts/gen-sdks.sh nodejs): its directory to require, or
 * why it cannot be had.
 */
export function nodeSdk(): { dir?: string; reason?: string } {
  if (!onPath("go")) return { reason: "Go is not installed to build the SDK generator" };
  const sdks = script("gen-sdks.sh", ["nodejs"]);
  if (!sdks.lines) return { reason: sdks.reason };
  return { dir: path.join(sdks.lines[sdks.lines.length - 1], "nodejs", "bin") };
}

/**
 * What the seed programs (YAML aside) export once up: the kvm virtualization's connection
 * string, a secret, and the office machine's address.
 */
export async function expectSeedOutputs(p: TestProject): Promise<void> {
  expect(await p.outputs()).toEqual({
    connectionString: "qemu#{auth.sep}#{auth.method}://#{user.name}@#{target.host}/system",
    officeIp: "10.132.181.57",
  });
  expect((await p.ok(["stack", "output", "connectionString"])).stdout.trim()).toBe("[secret]");
}

/** The glassfish-ims resources of the stack's state by name, each with the names it depends on. */
export async function dependenciesOf(p: TestProject): Promise<Record<string, string[]>> {
  const state = JSON.parse((await p.ok(["stack", "export"])).stdout) as {
    deployment: { resources: Array<{ urn: string; dependencies?: string[] }> };
  };
  return Object.fromEntries(
    state.deployment.resources
      .filter((res) => res.urn.includes("glassfish-ims:index:"))
      .map((res) => [
        res.urn.split("::").pop(),
        (res.dependencies ?? []).map((d) => d.split("::").pop()).sort(),
      ]),
  );
}

/** What an imported seed domain (without the machine found by MAC) depends on, by resource. */
export const IMPORTED_SEED_DEPENDENCIES = {
  kvm: [],
  cloud: ["kvm"],
  "cloud-user": ["cloud", "kvm"],
  local: ["cloud", "kvm"],
  "local-user": ["cloud", "kvm", "local"],
  office: ["cloud", "kvm"],
};
