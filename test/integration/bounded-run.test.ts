import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, existsSync } from "fs";
import * as os from "os";
import * as path from "path";
import { runBounded, runningGroups } from "../../provider/libvirt/connect";

jest.setTimeout(30_000);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(test: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (test()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return test();
}

/**
 * A stand-in for virsh whose ssh leaves a ControlPersist master behind: a double-forked
 * `setsid sleep 30` (its own session, out of the runner's process group) holding stdout. The
 * wrapper then either hangs or exits at once.
 */
describe("the bounded command runner (connectTimeoutMs is a hard bound)", () => {
  let dir: string;
  let stray: string;
  const wrapper = (then: string) => {
    const file = path.join(dir, `virsh-${then.replace(/\W/g, "")}.sh`);
    writeFileSync(
      file,
      `#!/bin/sh\n( setsid sh -c 'echo $$ > ${stray}; exec sleep 30' & )\necho "$$" > ${stray}.leader\necho hello\n${then}\n`,
    );
    chmodSync(file, 0o755);
    return file;
  };
  const strayPid = () => Number(readFileSync(stray, "utf8"));
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "gf-ims-bounded-"));
    stray = path.join(dir, "stray.pid");
  });
  afterEach(() => {
    // The stand-in for the ssh master is this test's own: end it.
    if (existsSync(stray)) {
      try {
        process.kill(strayPid(), "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives up at the deadline although a child that left the group holds the pipes", async () => {
    const started = Date.now();
    const run = await runBounded(wrapper("sleep 300"), [], 1000);
    const elapsed = Date.now() - started;
    expect(run).toMatchObject({ timedOut: true, stdout: "hello\n" });
    // 1,000 ms bound; before the fix this waited for the stray sleep (30 s).
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(2500);
    // The wrapper (the group) is gone; the stray is alive (it left the group) until cleanup.
    const leader = Number(readFileSync(`${stray}.leader`, "utf8"));
    expect(await until(() => !alive(leader), 1000)).toBe(true);
    expect(alive(strayPid())).toBe(true);
    expect(runningGroups().has(leader)).toBe(false);
  });

  it("returns soon after the program exits, without waiting for the stray holder", async () => {
    const started = Date.now();
    const run = await runBounded(wrapper("exit 0"), [], 10_000);
    const elapsed = Date.now() - started;
    expect(run).toEqual({ code: 0, stdout: "hello\n", stderr: "", timedOut: false });
    expect(elapsed).toBeLessThan(1500);
  });

  it("reports a program that cannot start as exit 127, within the bound", async () => {
    const run = await runBounded(path.join(dir, "missing"), [], 1000);
    expect(run.code).toBe(127);
    expect(run.timedOut).toBe(false);
    expect(run.stderr).toContain("ENOENT");
  });
});
