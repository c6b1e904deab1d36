import { spawnSync } from "child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "fs";
import * as os from "os";
import * as path from "path";
import { tempDomain } from "../support/domain";
import { fixture } from "../support/fixtures";
import { ORIGINAL } from "./ims-setup";
import {
  artifacts,
  buildRelease,
  dirOnPath,
  FreshProject,
  pathWithoutNode,
  scriptLines,
  VERSION,
} from "./release-setup";

// The release artifacts (npm run release, built once per run and cached on its inputs' hash) as
// a user meets them (the seed examples of examples/seed-{yaml,python,go}): outside the repository, in a fresh PULUMI_HOME, and for the plugin cases
// with no Node.js on PATH at all. The plugin comes from its tarball (`pulumi plugin install
// --file`), the Python SDK from the wheel in a fresh venv, the Go SDK from the module tarball
// through a `replace`; each program runs the asadmin sequence and must write what the dynamic
// mode writes (the golden file plugin-yaml.e2e.test.ts checks against a dynamic-mode run).
jest.setTimeout(900_000);

const ROOT = path.resolve(__dirname, "..", "..");
const PROGRAMS = path.join(__dirname, "programs");
const EXAMPLES = path.join(ROOT, "examples");
const SEEDED = fixture("golden/domain-seeded-no-mac.xml");
const SEED_OUTPUTS = {
  connectionString: "qemu#{auth.sep}#{auth.method}://#{user.name}@#{target.host}/system",
  officeIp: "10.132.181.57",
};

function onPath(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

const unavailable = !onPath("go")
  ? "Go is not installed (the SDK generator and the language hosts are built with it)"
  : !onPath("python3")
    ? "python3 is not installed"
    : undefined;
if (unavailable) console.warn(`SKIPPED release tests: ${unavailable}`);

(unavailable ? describe.skip : describe)("the release artifacts, installed as a user would", () => {
  let release: ReturnType<typeof artifacts>;
  let scratch: string;
  let noNode: string;
  let home: string;
  let env: NodeJS.ProcessEnv;
  const domain = tempDomain(ORIGINAL);

  beforeAll(async () => {
    const built = buildRelease();
    if (!built.dir) throw new Error(built.reason);
    release = artifacts(built.dir);
    scratch = mkdtempSync(path.join(os.tmpdir(), "gf-ims-release-env-"));
    home = path.join(scratch, "pulumi-home");
    const hosts = ["ensure-pulumi.sh", "ensure-yaml.sh", "ensure-python.sh", "ensure-go.sh"];
    // The scripts print the hosts' directories, or nothing new when a host is already on PATH.
    const dirs = [
      ...hosts.flatMap(scriptLines),
      ...["pulumi", "pulumi-language-yaml", "pulumi-language-python", "pulumi-language-go"]
        .map(dirOnPath)
        .filter((d): d is string => d !== undefined),
    ];
    const system = ["/usr/local/go/bin", "/usr/local/sbin", "/usr/local/bin", "/usr/sbin"];
    noNode = pathWithoutNode(scratch, [...dirs, ...system, "/usr/bin", "/sbin", "/bin"]);
    // This machine's environment (its CA bundle and proxy settings reach the registries), less
    // whatever points at a Node or at the repository's modules.
    env = {
      ...Object.fromEntries(
        Object.entries(process.env).filter(
          ([k]) =>
            !/^(npm_|NODE_PATH$|NODE_OPTIONS$|JEST_|INIT_CWD$|VIRTUAL_ENV$|PYTHONPATH$)/i.test(k),
        ),
      ),
      PATH: noNode,
      GOTOOLCHAIN: "local",
    };
    // Into the fresh PULUMI_HOME every case below shares, as a user installs it.
    const installer = new FreshProject(path.join(PROGRAMS, "yaml-empty"), env, home);
    try {
      await installer.ok([
        "plugin",
        "install",
        "resource",
        "glassfish-ims",
        VERSION,
        "--file",
        release.plugin("amd64"),
      ]);
    } finally {
      installer.cleanup();
    }
  });
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    domain.cleanup();
  });

  it("has every artifact under its version, with checksums that verify", () => {
    const sums = readFileSync(release.sums, "utf8");
    for (const file of [
      release.plugin("amd64"),
      release.plugin("arm64"),
      release.npm,
      release.wheel,
      release.sdist,
      release.go,
    ]) {
      expect(sums).toContain(`  ${path.basename(file)}\n`);
    }
    // The executable at the root, where the engine looks for pulumi-resource-<name>, and no
    // PulumiPlugin.yaml (with one, plugin install runs the runtime's npm install).
    for (const arch of ["amd64", "arm64"]) {
      const listed = spawnSync("tar", ["-tzf", release.plugin(arch)], { encoding: "utf8" });
      expect(listed.stdout.split("\n").filter(Boolean).sort()).toEqual([
        "./",
        "./package.json",
        "./pulumi-resource-glassfish-ims",
        "./schema.json",
      ]);
    }
    const check = spawnSync("sha256sum", ["--check", "--strict", "SHA256SUMS"], {
      cwd: path.dirname(release.sums),
      encoding: "utf8",
    });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });

  it("the plugin installs from its tarball with no Node on PATH and serves the schema with the real names", async () => {
    expect(spawnSync("sh", ["-c", "command -v node"], { env }).status).not.toBe(0);
    const p = new FreshProject(path.join(PROGRAMS, "yaml-empty"), env, home);
    try {
      const installed = JSON.parse((await p.ok(["plugin", "ls", "--json"])).stdout) as Array<{
        name: string;
        kind: string;
        version: string;
      }>;
      expect(installed.map((i) => `${i.kind} ${i.name} ${i.version}`)).toEqual([
        `resource glassfish-ims ${VERSION}`,
      ]);
      const schema = JSON.parse(
        (await p.ok(["package", "get-schema", `glassfish-ims@${VERSION}`])).stdout,
      );
      expect(schema).toMatchObject({
        name: "glassfish-ims",
        version: VERSION,
        publisher: "glassfish-ims",
        license: "Apache-2.0",
        repository: "https://github.com/glassfish-ims/glassfish-ims",
        pluginDownloadURL: "https://releases.glassfish-ims.example/v${VERSION}",
        language: {
          nodejs: { packageName: "glassfish-ims" },
          python: { packageName: "pulumi_glassfish_ims" },
          go: { importBasePath: "github.com/glassfish-ims/glassfish-ims/sdks/go/glassfishims" },
        },
      });
      expect(Object.keys(schema.resources)).toContain("glassfish-ims:index:Machine");
    } finally {
      p.cleanup();
    }
  });

  /** preview writes nothing, up writes the dynamic mode's bytes, destroy restores the file. */
  async function seedLifecycle(p: FreshProject, example = false): Promise<void> {
    await p.ok(["stack", "init", "release"]);
    await p.ok(["config", "set", "domainXml", domain.file]);
    // The examples check each machine's libvirt connection unless told not to: the office
    // machine's address is not one a test may reach.
    if (example) await p.ok(["config", "set", "--type", "bool", "verifyConnections", "false"]);
    await p.ok(["preview"]);
    expect(domain.read()).toBe(ORIGINAL);
    await p.ok(["up", "--yes", "--skip-preview"]);
    expect(domain.read()).toBe(SEEDED);
    expect(await p.outputs()).toEqual(SEED_OUTPUTS);
    await p.ok(["destroy", "--yes", "--skip-preview"]);
    expect(domain.read()).toBe(ORIGINAL);
  }

  it("a YAML program on the installed plugin: preview, up (the dynamic mode's bytes), destroy", async () => {
    const p = new FreshProject(path.join(EXAMPLES, "seed-yaml"), env, home);
    try {
      await seedLifecycle(p, true);
    } finally {
      p.cleanup();
    }
  });

  // The executable starts child processes (virsh, for the libvirt check) as the dev plugin does.
  (onPath("virsh") ? it : it.skip)(
    "the installed plugin checks a machine's libvirt connection with virsh (no Node on PATH)",
    async () => {
      const program = path.join(scratch, "yaml-virsh");
      mkdirSync(program, { recursive: true });
      writeFileSync(
        path.join(program, "Pulumi.yaml"),
        [
          "name: release-virsh",
          "runtime: yaml",
          "plugins:",
          "  providers: []",
          "config:",
          "  domainXml:",
          "    type: string",
          "resources:",
          "  sandbox:",
          "    type: glassfish-ims:index:Virtualization",
          "    properties: { domainXml: '${domainXml}', emulator: test }",
          "  pool:",
          "    type: glassfish-ims:index:ServerPool",
          "    properties:",
          "      domainXml: ${sandbox.domainXml}",
          "      virtualization: ${sandbox.name}",
          "      subnet: 10.132.181.0/24",
          "      portNames: [br0]",
          "  local:",
          "    type: glassfish-ims:index:Machine",
          "    properties:",
          "      domainXml: ${pool.domainXml}",
          "      serverPool: ${pool.name}",
          "      networkName: localhost",
          "outputs:",
          "  uri: ${local.libvirtUri}",
          "  hypervisor: ${local.hypervisorType}",
          "",
        ].join("\n"),
      );
      const p = new FreshProject(program, env, home);
      try {
        await p.ok(["stack", "init", "release"]);
        await p.ok(["config", "set", "domainXml", domain.file]);
        await p.ok(["up", "--yes", "--skip-preview"]);
        expect(await p.outputs()).toEqual({ uri: "test:///default", hypervisor: "TEST" });
        await p.ok(["destroy", "--yes", "--skip-preview"]);
        expect(domain.read()).toBe(ORIGINAL);
      } finally {
        p.cleanup();
      }
    },
  );

  it("a Python program with the wheel in a fresh venv, on the installed plugin", async () => {
    const cachedVenv = scriptLines("ensure-python.sh").pop() as string;
    const venv = path.join(scratch, "venv");
    const python = path.join(cachedVenv, "bin", "python");
    expect(spawnSync(python, ["-m", "venv", venv]).status).toBe(0);
    const pip = spawnSync(
      path.join(venv, "bin", "pip"),
      ["install", "--quiet", "--disable-pip-version-check", release.wheel],
      { encoding: "utf8" },
    );
    expect(pip.stderr).not.toMatch(/ERROR/);
    expect(pip.status).toBe(0);
    const p = new FreshProject(
      path.join(EXAMPLES, "seed-python"),
      { ...env, PATH: `${path.join(venv, "bin")}:${noNode}`, VIRTUAL_ENV: venv },
      home,
    );
    try {
      await seedLifecycle(p, true);
    } finally {
      p.cleanup();
    }
  });

  it("a Go program with the module tarball through a replace, on the installed plugin", async () => {
    const module = path.join(scratch, "glassfish-ims-go");
    spawnSync("mkdir", ["-p", module]);
    expect(spawnSync("tar", ["-xzf", release.go, "-C", module]).status).toBe(0);
    expect(readFileSync(path.join(module, "go.mod"), "utf8")).toMatch(
      /^module github\.com\/glassfish-ims\/glassfish-ims\/sdks\/go\n/,
    );
    const p = new FreshProject(path.join(EXAMPLES, "seed-go"), env, home);
    try {
      const gomod = path.join(p.dir, "go.mod");
      const text = readFileSync(gomod, "utf8");
      expect(text).toContain("=> ../../sdks/go");
      writeFileSync(gomod, text.replace("=> ../../sdks/go", `=> ${module}`));
      await seedLifecycle(p, true);
    } finally {
      p.cleanup();
    }
  });

  // Node.js only where a program needs it: the TypeScript/JavaScript cases. The project's own
  // Node (node_modules/node) alone on PATH, beside the rest; npm from the system.
  function withNode(): string {
    const bin = path.join(scratch, "bin-node");
    if (!existsSync(bin)) {
      mkdirSync(bin, { recursive: true });
      symlinkSync(path.join(ROOT, "node_modules", "node", "bin", "node"), path.join(bin, "node"));
      const npm = dirOnPath("npm");
      if (!npm) throw new Error("npm is not on PATH");
      symlinkSync(realpathSync(path.join(npm, "npm")), path.join(bin, "npm"));
    }
    return `${bin}:${noNode}`;
  }

  async function npmInstall(p: FreshProject): Promise<void> {
    const r = await p.exec("npm", ["install", "--no-audit", "--no-fund", "--silent", release.npm]);
    if (r.code !== 0) throw new Error(`npm install ${release.npm} failed:\n${r.stderr}`);
    expect(existsSync(path.join(p.dir, "node_modules", "glassfish-ims", "package.json"))).toBe(
      true,
    );
  }

  it("the npm tarball in a fresh project: the dynamic mode writes the same bytes", async () => {
    const p = new FreshProject(
      path.join(PROGRAMS, "nodejs-dynamic-seed"),
      { ...env, PATH: withNode() },
      home,
    );
    try {
      await npmInstall(p);
      await seedLifecycle(p);
    } finally {
      p.cleanup();
    }
  });

  it("the npm tarball's Node.js SDK (glassfish-ims/dist/plugin-sdk) on the installed plugin", async () => {
    const p = new FreshProject(
      path.join(PROGRAMS, "nodejs-seed"),
      { ...env, PATH: withNode() },
      home,
    );
    try {
      await npmInstall(p);
      await p.ok(["stack", "init", "plugin"]);
      await p.ok(["config", "set", "sdk", "glassfish-ims/dist/plugin-sdk"]);
      await p.ok(["config", "set", "domainXml", domain.file]);
      await p.ok(["up", "--yes", "--skip-preview"]);
      expect(domain.read()).toBe(SEEDED);
      expect(await p.outputs()).toEqual(SEED_OUTPUTS);
      await p.ok(["destroy", "--yes", "--skip-preview"]);
      expect(domain.read()).toBe(ORIGINAL);
    } finally {
      p.cleanup();
    }
  });
});
