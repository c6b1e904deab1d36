import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { tempDomain } from "../integration/tmp";
import { fixture } from "../unit/helpers";
import { TestProject } from "./harness";

jest.setTimeout(180_000);

const PROGRAM = path.join(__dirname, "programs", "slow");

/** Processes whose environment has `marker` (this project's PULUMI_HOME), with their command. */
function processesWith(marker: string): Array<{ pid: number; cmd: string }> {
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

async function until(test: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (test()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return test();
}

describe("no orphan processes", () => {
  it("the dynamic provider exits within seconds when the CLI is killed with its group mid-up", async () => {
    const domain = tempDomain(fixture("domain.xml"));
    const project = await TestProject.create(PROGRAM);
    const marker = `PULUMI_HOME=${path.join(project.base, "home")}`;
    const started = path.join(project.base, "connect-started");
    // Stands in for an ssh that never answers; says when the provider is inside the check.
    const hang = path.join(project.base, "hang.sh");
    writeFileSync(hang, `#!/bin/sh\ntouch ${started}\nexec sleep 300\n`);
    chmodSync(hang, 0o755);
    const provider = () => processesWith(marker).filter((p) => /dynamic-provider/.test(p.cmd));
    try {
      await project.config("domainXml", domain.file);
      await project.config(
        "connectionString",
        `qemu+ssh://#{user.name}@#{target.host}/system?command=${hang}`,
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
      expect(
        await until(() => !processesWith(marker).some((p) => p.cmd.includes(hang)), 2000),
      ).toBe(true);
    } finally {
      for (const p of processesWith(marker)) {
        try {
          process.kill(p.pid, "SIGKILL");
        } catch {
          // gone
        }
      }
      project.cleanup();
      domain.cleanup();
    }
  });
});
