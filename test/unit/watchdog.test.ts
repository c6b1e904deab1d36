import {
  engineAddress,
  inFlight,
  resetWatchdog,
  startWatchdog,
  tick,
  type WatchdogEffects,
} from "../../provider/watchdog";

function fakes(alive: boolean[]) {
  const log: string[] = [];
  let clock = 0;
  const fx: WatchdogEffects = {
    engineAlive: async () => alive.shift() ?? false,
    endChildren: () => log.push("endChildren"),
    exit: (code) => log.push(`exit ${code}`),
    every: (ms) => {
      log.push(`every ${ms}`);
      return () => log.push("stopped");
    },
    now: () => clock,
  };
  return { fx, log, advance: (ms: number) => (clock += ms) };
}

describe("the provider's watchdog", () => {
  afterEach(() => resetWatchdog());

  it("knows the engine's address only in the dynamic provider host", () => {
    expect(
      engineAddress(["node", "/x/@pulumi/pulumi/cmd/dynamic-provider/index.js", "127.0.0.1:4242"]),
    ).toBe("127.0.0.1:4242");
    expect(engineAddress(["node", "/x/jest/bin/jest.js", "127.0.0.1:4242"])).toBeUndefined();
    expect(engineAddress(["node", "/x/dynamic-provider/index.js", "--flag"])).toBeUndefined();
  });

  it("does not start outside the dynamic provider host (tests, programs)", async () => {
    // jest is not the dynamic provider host: the first call starts nothing...
    await inFlight(async () => undefined);
    // ... so a watchdog started later with effects of a test's own is the first one.
    const { fx, log } = fakes([]);
    startWatchdog(fx);
    expect(log).toEqual(["every 1000"]);
  });

  it("keeps running while the engine answers; one missed check is not enough", async () => {
    const { fx, log } = fakes([true, false, true, false]);
    for (let i = 0; i < 4; i++) await tick(fx);
    expect(log).toEqual([]);
  });

  it("when the engine is gone: ends the children at once, exits after in-flight work ends", async () => {
    const { fx, log } = fakes([false, false]);
    startWatchdog(fx);
    let finish: () => void = () => undefined;
    const op = inFlight(() => new Promise<void>((r) => (finish = r)));
    await tick(fx);
    await tick(fx);
    expect(log).toEqual(["every 1000", "endChildren"]);
    await tick(fx);
    expect(log).toEqual(["every 1000", "endChildren"]);
    finish();
    await op;
    await tick(fx);
    expect(log).toEqual(["every 1000", "endChildren", "stopped", "exit 1"]);
  });

  it("exits after 30 s even if an operation never ends", async () => {
    const { fx, log, advance } = fakes([false, false]);
    startWatchdog(fx);
    void inFlight(() => new Promise<void>(() => undefined));
    await tick(fx);
    await tick(fx);
    advance(29_999);
    await tick(fx);
    expect(log).toEqual(["every 1000", "endChildren"]);
    advance(1);
    await tick(fx);
    expect(log).toEqual(["every 1000", "endChildren", "stopped", "exit 1"]);
  });
});
