import { execFile, execFileSync, spawnSync } from "child_process";
import { mkdtempSync, readdirSync, rmSync, symlinkSync, mkdirSync } from "fs";
import * as os from "os";
import * as path from "path";

// A fresh clone of this repository's HEAD, through the README's commands: the demo up and
// destroy, and `npm test` on a subset. Nothing tracked may change, and no committed file may hold
// an absolute path of the machine it was made on. Uncommitted changes are not part of the clone.
jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, "..", "..");
const hasVirsh = spawnSync("sh", ["-c", "command -v virsh"]).status === 0;

interface Run {
  code: number;
  out: string;
  err: string;
}

function run(cwd: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) =>
    execFile(cmd, args, { cwd, env, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout, err: stderr }),
    ),
  );
}

describe("a fresh clone", () => {
  let base: string;
  let clone: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    base = mkdtempSync(path.join(os.tmpdir(), "gf-ims-clone-"));
    clone = path.join(base, "p");
    execFileSync("git", ["clone", "--quiet", ROOT, clone]);
    // The repository's packages (npm install would fetch the same ones), except the package
    // itself, which must resolve to the clone as `file:.` does.
    mkdirSync(path.join(clone, "node_modules"));
    for (const entry of readdirSync(path.join(ROOT, "node_modules"))) {
      if (entry === "glassfish-ims") continue;
      symlinkSync(path.join(ROOT, "node_modules", entry), path.join(clone, "node_modules", entry));
    }
    symlinkSync("..", path.join(clone, "node_modules", "glassfish-ims"));
    // The clone keeps its own Pulumi state and home, as on a new machine.
    env = { ...process.env, NO_COLOR: "1" };
    delete env.PULUMI_HOME;
    delete env.PULUMI_BACKEND_URL;
    delete env.PULUMI_CONFIG_PASSPHRASE;
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it("runs the demo up and down and a subset of npm test, and leaves nothing tracked changed", async () => {
    const up = await run(clone, "npm", ["run", "demo"], env);
    // On failure, what the demo said on stderr shows in the difference.
    expect({
      code: up.code,
      tail: up.out.split("\n").slice(-3),
      err: up.code ? up.err : "",
    }).toEqual({
      code: 0,
      err: "",
      tail: [
        "demo: a second run changes nothing (pulumi preview --expect-no-changes)",
        "demo: npm run demo -- destroy takes it out again",
        "",
      ],
    });
    // The connections are checked where virsh is installed, and said to be unchecked elsewhere.
    const hypervisor = hasVirsh
      ? String.raw`TEST \S+ on host \S+, libvirt \S+ \(connection checked\)`
      : String.raw`not checked \(no virsh: install libvirt-clients\)`;
    expect(up.out).toMatch(
      new RegExp(
        String.raw`machine local\n {2}address {5}127\.0\.0\.1 \(resolved by localhost\)\n {2}libvirt URI test:///default\n {2}hypervisor {2}` +
          hypervisor,
      ),
    );
    const down = await run(clone, "npm", ["run", "demo", "--", "destroy"], env);
    expect(down.code).toBe(0);
    expect(down.out).toContain(
      "demo: .demo/domains/domain1/config/domain.xml is byte for byte demo/domain.xml again",
    );
    const test = await run(clone, "npm", ["test", "--", "test/unit/bsd-arp.test.ts"], env);
    expect(test.code).toBe(0);
    expect(test.out).toMatch(/\n\d+ passed, 0 failed, 0 skipped\n/);

    expect(execFileSync("git", ["status", "--porcelain"], { cwd: clone, encoding: "utf8" })).toBe(
      "",
    );
    for (const dir of [ROOT, clone]) {
      const grep = await run(clone, "git", ["grep", "-n", "-F", dir], env);
      expect(grep).toEqual({ code: 1, out: "", err: "" });
    }
  });
});
