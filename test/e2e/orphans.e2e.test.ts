import { chmodSync, existsSync, writeFileSync } from "fs";
import * as path from "path";
import { tempDomain } from "../integration/tmp";
import { fixture } from "../unit/helpers";
import { TestProject } from "./harness";

jest.setTimeout(180_000);

const PROGRAM = path.join(__dirname, "programs", "slow");

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
    const started = path.join(project.base, "connect-started");
    // Stands in for an ssh that never answers; says when the provider is inside the check.
    const hang = path.join(project.base, "hang.sh");
    writeFileSync(hang, `#!/bin/sh\ntouch ${started}\nexec sleep 300\n`);
    chmodSync(hang, 0o755);
    const provider = () => project.processes().filter((p) => /dynamic-provider/.test(p.cmd));
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
      expect(await until(() => !project.processes().some((p) => p.cmd.includes(hang)), 2000)).toBe(
        true,
      );
    } finally {
      project.killLeftovers();
      project.cleanup();
      domain.cleanup();
    }
  });
});
