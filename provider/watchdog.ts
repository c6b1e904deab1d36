// The dynamic provider host runs in a process group of its own: when the engine that started it
// dies (its CLI killed with its group), nobody ends it. This watchdog does.
import * as net from "net";
import { runningGroups } from "./libvirt/connect";

/** How often the engine is looked for. */
const CHECK_MS = 1000;
/** The engine must be missing this many checks in a row (a busy engine still accepts). */
const MISSES = 2;
/** In-flight operations get this long to finish (their commands are ended at once). */
const DRAIN_MS = 30_000;

/** What the watchdog needs of the world; tests pass fakes. */
export interface WatchdogEffects {
  /** True while the engine that started this process is there. */
  engineAlive(): Promise<boolean>;
  /** Ends what this process started (the virsh process groups). */
  endChildren(): void;
  /** Ends this process. */
  exit(code: number): void;
  /** Calls `fn` every `ms`, without keeping the process alive; returns how to stop it. */
  every(ms: number, fn: () => void): () => void;
  /** The clock, in milliseconds. */
  now(): number;
}

interface State {
  inFlight: number;
  started: boolean;
  misses: number;
  goneAt?: number;
  stop?: () => void;
}

const STATE = Symbol.for("glassfish-ims.watchdog.v1");

function state(): State {
  const g = globalThis as unknown as Record<symbol, State | undefined>;
  return (g[STATE] ??= { inFlight: 0, started: false, misses: 0 });
}

/**
 * The engine's address when this process is Pulumi's Node dynamic provider host: it is started
 * as `node .../dynamic-provider/index.js <engine host:port>`. Undefined anywhere else (tests,
 * a program that imports the provider), where no watchdog runs.
 */
export function engineAddress(argv: readonly string[] = process.argv): string | undefined {
  if (!/dynamic-provider/.test(argv[1] ?? "")) return undefined;
  return /^[\w.-]+:\d+$/.test(argv[2] ?? "") ? argv[2] : undefined;
}

/** A TCP connection to the engine's gRPC port: refused means the engine process is gone. */
function tcpAlive(address: string): Promise<boolean> {
  const colon = address.lastIndexOf(":");
  return new Promise((resolve) => {
    const socket = net.connect({
      host: address.slice(0, colon),
      port: Number(address.slice(colon + 1)),
    });
    const done = (alive: boolean) => {
      socket.destroy();
      resolve(alive);
    };
    socket.setTimeout(500, () => done(true));
    socket.on("connect", () => done(true));
    socket.on("error", (e: NodeJS.ErrnoException) => done(e.code !== "ECONNREFUSED"));
  });
}

/**
 * The effects on this machine: the engine at `address` (its gRPC port) started this process as
 * the child of `parent`.
 */
export function systemEffects(address: string, parent: number): WatchdogEffects {
  return {
    // The parent is the CLI, or a shell between it and node; either going away also counts.
    engineAlive: async () => process.ppid === parent && (await tcpAlive(address)),
    endChildren: () => {
      for (const pid of runningGroups()) {
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    },
    exit: (code) => process.exit(code),
    every: (ms, fn) => {
      const t = setInterval(fn, ms);
      t.unref();
      return () => clearInterval(t);
    },
    now: () => Date.now(),
  };
}

/** One check: counts misses; once the engine is gone, ends children and exits when drained. */
export async function tick(fx: WatchdogEffects): Promise<void> {
  const s = state();
  if (s.goneAt === undefined) {
    s.misses = (await fx.engineAlive()) ? 0 : s.misses + 1;
    if (s.misses < MISSES) return;
    s.goneAt = fx.now();
    fx.endChildren();
  }
  // Writes finish (a file is replaced by rename, never left half-written); then nothing is left
  // to do for an engine that cannot hear the result.
  if (s.inFlight === 0 || fx.now() - s.goneAt >= DRAIN_MS) {
    s.stop?.();
    fx.exit(1);
  }
}

/**
 * Starts the watchdog once per process, on the first provider call (never at import: Pulumi
 * may load this code anywhere). Only in the dynamic provider host; elsewhere it does nothing.
 */
export function startWatchdog(fx?: WatchdogEffects): void {
  const s = state();
  if (s.started) return;
  const address = engineAddress();
  if (!fx && !address) return;
  s.started = true;
  const effects = fx ?? systemEffects(address as string, process.ppid);
  let busy = false;
  s.stop = effects.every(CHECK_MS, () => {
    if (busy) return;
    busy = true;
    // A failing check must never crash the provider host (an unhandled rejection ends it).
    void tick(effects)
      .catch(() => undefined)
      .finally(() => (busy = false));
  });
}

/** Runs one provider operation, counted as in flight so the watchdog lets it finish. */
export async function inFlight<T>(op: () => Promise<T>): Promise<T> {
  startWatchdog();
  const s = state();
  s.inFlight++;
  try {
    return await op();
  } finally {
    s.inFlight--;
  }
}

/** Forgets the watchdog's state (tests). */
export function resetWatchdog(): void {
  state().stop?.();
  const g = globalThis as unknown as Record<symbol, State | undefined>;
  g[STATE] = undefined;
}
