import { chmodSync, existsSync, writeFileSync } from "fs";
import * as path from "path";
import { tempDomain } from "../support/domain";
import { fixture } from "../support/fixtures";
import { TestProject } from "./harness";
import { ensureYamlHost, pluginProject } from "./plugin-setup";

jest.setTimeout(180_000);

const PROGRAM = path.join(__dirname, "programs", "slow");
const PLUGIN_PROGRAM = path.join(__dirname, "programs", "yaml-slow");
const noYaml = ensureYamlHost();
if (noYaml) console.warn(`SKIPPED the provider plugin's orphan test: ${noYaml}`);

async function until(test: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (test()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return test();
}

/**
 * Kills the CLI with its group while the provider (the processes `isProvider` picks) is inside a
 * machine's connection check, and expects the provider and the check's processes gone within
 * seconds.
 */
async function killedMidUp(project: TestProject, isProvider: (cmd: string) => boolean) {
  const domain = tempDomain(fixture("domain.xml"));
  const started = path.join(project.base, "connect-started");
  // Stands in for an ssh that never answers; says when the provider is inside the check.
  const hang = path.join(project.base, "hang.sh");
  writeFileSync(hang, `#!/bin/sh\ntouch ${started}\nexec sleep 300\n`);
  chmodSync(hang, 0o755);
  const provider = () => project.processes().filter((p) => isProvider(p.cmd));
  try {
    await project.config("domainXml", domain.file);
    await project.config(
      "connectionString",
      // hang.sh is the transport; the host it is given is loopback all the same.
      `qemu+ssh://#{user.name}@127.0.0.2/system?command=${hang}`,
    );
    const cli = project.start(["up", "--yes", "--skip-preview"]);
    expect(await until(() => existsSync(started), 90_000)).toBe(true);
    expect(provider().length).toBeGreaterThan(0);

    process.kill(-(cli.pid as number), "SIGKILL");
    const killedAt = Date.now();
    // Before: the provider waited for its check (300 s here), then stayed forever.
    expect(await until(() => provider().length === 0, 8000)).toBe(true);
    const gone = Date.now() - killedAt;
    expect(gone).toBeLessThan(8000);
    // ... and the check's own processes went with it.
    expect(await until(() => !project.processes().some((p) => p.cmd.includes(hang)), 2000)).toBe(
      true,
    );
  } finally {
    project.killLeftovers();
    project.cleanup();
    domain.cleanup();
  }
}

describe("no orphan processes", () => {
  it("the dynamic provider exits within seconds when the CLI is killed with its group mid-up", async () => {
    await killedMidUp(await TestProject.create(PROGRAM), (cmd) => /dynamic-provider/.test(cmd));
  });

  (noYaml ? it.skip : it)(
    "the provider plugin exits within seconds when the CLI is killed with its group mid-up",
    async () => {
      await killedMidUp(await pluginProject(PLUGIN_PROGRAM), (cmd) =>
        cmd.includes("dist/provider/plugin/main.js"),
      );
    },
  );
});
