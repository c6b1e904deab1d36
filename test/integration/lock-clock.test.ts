import { spawn, type ChildProcess } from "child_process";
import { existsSync, readFileSync, utimesSync, writeFileSync } from "fs";
import { performance } from "perf_hooks";
import { withFileLock } from "../../provider/store/lock";
import { fixture } from "../support/fixtures";
import { rejection, tempDomain } from "../support/domain";
import { storeTargets } from "../support/targets";

// The lock's staleness when the clock that stamps the lock file (the DAS host's) is far ahead of
// or behind this machine's: a lock's age is never this machine's clock minus its mtime.
const ORIGINAL = fixture("domain.xml");
const DAY_MS = 86_400_000;
let d: ReturnType<typeof tempDomain>;
beforeEach(() => (d = tempDomain(ORIGINAL)));
afterEach(() => d.cleanup());

/** A holder on another machine, as its lock file says. */
const holderOf = () =>
  JSON.stringify({ pid: 4242, host: "build-agent-7", since: "2026-01-01T00:00:00.000Z" });

/**
 * A live holder whose host's clock runs `skewMs` off this machine's: a process of its own that
 * stamps the lock with that clock every 50 ms, as the holder's refresh does on its host.
 */
async function liveHolder(lock: string, skewMs: number): Promise<ChildProcess> {
  const code = `const fs = require("fs");
    const [lock, skew] = [process.argv[1], Number(process.argv[2])];
    const stamp = () => { const t = new Date(Date.now() + skew); try { fs.utimesSync(lock, t, t); } catch {} };
    stamp(); setInterval(stamp, 50); console.log("up");`;
  const child = spawn(process.execPath, ["-e", code, lock, String(skewMs)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise((r) => child.stdout!.once("data", r));
  return child;
}

describe.each(storeTargets())("the lock's staleness through the $name effects", (target) => {
  beforeAll(() => target.start(), 60_000);
  jest.setTimeout(60_000);
  afterAll(() => target.stop());

  it.each([
    ["ahead of", DAY_MS],
    ["behind", -DAY_MS],
  ])("keeps the lock of a live holder whose clock is a day %s this one", async (_, skewMs) => {
    const lock = `${d.file}.lock`;
    writeFileSync(lock, holderOf());
    const holder = await liveHolder(lock, skewMs);
    try {
      let ran = false;
      const err = await rejection(
        withFileLock(target.host(), d.file, async () => (ran = true), {
          staleMs: 1000,
          timeoutMs: 3500,
        }),
      );
      expect(err.code).toBe("LOCK_TIMEOUT");
      expect(err.message).toContain("is locked by process 4242 on build-agent-7");
      expect(ran).toBe(false);
      expect(readFileSync(lock, "utf8")).toBe(holderOf());
    } finally {
      holder.kill();
    }
  });

  it.each([
    ["ahead of", DAY_MS],
    ["behind", -DAY_MS],
  ])(
    "breaks the lock of a dead holder whose clock was a day %s this one after staleMs unchanged",
    async (_, skewMs) => {
      const lock = `${d.file}.lock`;
      writeFileSync(lock, holderOf());
      const t = new Date(Date.now() + skewMs);
      utimesSync(lock, t, t);
      const staleMs = 700;
      const start = performance.now();
      const value = await withFileLock(target.host(), d.file, async () => "held", {
        staleMs,
        timeoutMs: 10_000,
      });
      // Broken only once the waiter had seen it unchanged for staleMs.
      expect(performance.now() - start).toBeGreaterThanOrEqual(staleMs);
      expect(value).toBe("held");
      expect(existsSync(lock)).toBe(false);
    },
  );
});
