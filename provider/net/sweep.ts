import { spawn } from "child_process";
import * as dgram from "dgram";
import { promises as fs } from "fs";
import * as os from "os";
import { ImsError, isImsError } from "../errors";
import { parseSubnet } from "./address";
import {
  choosePort,
  hostCount,
  newSightings,
  parseArpScan,
  readNeighbourTable,
  record,
  verdict,
  type ChosenPort,
  type Neighbour,
  type Sightings,
} from "./neighbours";
import { parseProcNetRoute, planSweep, type Route, type SweepPlan } from "./targets";
import { shownMs, type Progress } from "../progress";

/** The effects a sweep needs; tests pass fakes, the provider the real ones. */
export interface SweepEffects {
  /**
   * Names the host whose network is swept (`Host.id`); concurrent discoveries share one sweep
   * per host, subnet and port.
   * @default "local"
   */
  id?: string;
  /**
   * The host's network interfaces, as `os.networkInterfaces()` gives them (a promise: a remote
   * host's are read over its connection).
   */
  interfaces(): Promise<NodeJS.Dict<os.NetworkInterfaceInfo[]>>;
  /**
   * Sends one datagram to every address, from `source`, so the kernel resolves them; gives up at
   * `deadline` (an `now()` time). Rejects when it cannot send at all (the source address is gone:
   * `EADDRNOTAVAIL`).
   */
  probe(addresses: readonly string[], source: string, deadline: number): Promise<void>;
  /** The main IPv4 routing table, or undefined where it cannot be read (not Linux). */
  routes?(): Promise<Route[] | undefined>;
  /** The neighbour table. */
  neighbours(): Promise<Neighbour[]>;
  /**
   * Optional faster path on lossy links: raw ARP requests (arp-scan) on `port` to the addresses
   * of `subnet`, calling `answer` for each reply, until `stop` is called. Does nothing where it
   * cannot run (no arp-scan, no raw sockets).
   */
  arpScan?(
    port: string,
    subnet: string,
    budgetMs: number,
    answer: (n: Neighbour) => void,
  ): () => void;
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Datagrams are sent this many at a time; the deadline is checked between batches. */
const BATCH = 64;

/**
 * Sends one datagram to the discard port of every address from `source`. Errors of single sends
 * (a host that does not answer ARP) do not matter; a socket that cannot bind or send at all (the
 * address left the port) rejects at once. Ends by `deadline` whatever happens.
 */
function probeFrom(addresses: readonly string[], source: string, deadline: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket("udp4");
    let settled = false;
    const timer = setTimeout(() => end(), Math.max(0, deadline - Date.now()));
    const end = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        socket.close();
      } catch {
        // Not bound yet, or closed already.
      }
      if (error) reject(error);
      else resolve();
    };
    socket.on("error", (e) => end(e));
    socket.bind(0, source, async () => {
      const payload = Buffer.alloc(1);
      let sent = 0;
      let failed: Error | undefined;
      for (let i = 0; i < addresses.length && !settled; i += BATCH) {
        const batch = addresses.slice(i, i + BATCH);
        await Promise.all(
          batch.map(
            (a) =>
              new Promise<void>((done) =>
                socket.send(payload, 9, a, (e) => {
                  if (e) failed ??= e;
                  else sent++;
                  done();
                }),
              ),
          ),
        );
        if (Date.now() >= deadline) break;
      }
      end(sent === 0 && failed ? failed : undefined);
    });
  });
}

/** The real effects: UDP datagrams to the discard port, the neighbour table. No root needed. */
export const SYSTEM: SweepEffects = {
  interfaces: async () => os.networkInterfaces(),
  probe: (addresses, source, deadline) => probeFrom(addresses, source, deadline),
  routes: async () => {
    try {
      return parseProcNetRoute(await fs.readFile("/proc/net/route", "utf8"));
    } catch {
      return undefined;
    }
  },
  neighbours: () => readNeighbourTable(),
  arpScan: (port, subnet, budgetMs, answer) => {
    // Every unanswered address is asked again each 100 ms (arp-scan's --retry with no backoff),
    // at a rate that sends one round to a /22 in about 100 ms. Nothing leaves the subnet.
    const retry = Math.max(1, Math.min(20, Math.floor(budgetMs / 100)));
    const child = spawn(
      "arp-scan",
      [
        `--interface=${port}`,
        "--quiet",
        "--plain",
        `--retry=${retry}`,
        "--timeout=100",
        "--backoff=1",
        "--bandwidth=5000000",
        subnet,
      ],
      { stdio: ["ignore", "pipe", "ignore"] },
    );
    child.on("error", () => undefined);
    let buffer = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const n of parseArpScan(lines.join("\n"), port)) answer(n);
    });
    return () => child.kill();
  },
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/** What discovery needs to know of the pool. */
export interface PoolNetwork {
  name: string;
  subnet: string;
  portNames: readonly string[];
}

/** Bounds of one discovery. */
export interface SweepOptions {
  /**
   * Give up after this long.
   * @default 3000
   */
  budgetMs?: number;
  /**
   * Allow sweeping subnets larger than a /22.
   * @default false
   */
  allowLargeSweep?: boolean;
  /** Hears what the sweep does: its start, each round's answers, the outcome. */
  progress?: Progress;
}

/** A MAC's address and how it was found. */
export interface Discovery {
  ip: string;
  port: string;
  source: string;
  rounds: number;
  elapsedMs: number;
}

/** Addresses are re-probed this often until found: the kernel retries ARP about once a second. */
const ROUND_MS = 250;
const POLL_MS = 15;

interface Session {
  wanted: Set<string>;
  seen: Sightings;
  rounds: number;
  elapsedMs: number;
  done: Promise<void>;
  running: boolean;
  /** Why the sweep could not finish, when it could not. */
  error?: ImsError;
  /** Who hears of the sweep's rounds: each discovery that waits for it. */
  listeners: Set<Progress>;
}

/** Tells every discovery waiting for the sweep. */
function tell(s: Session, message: string): void {
  for (const p of s.listeners) p(message);
}

const REGISTRY = Symbol.for("glassfish-ims.sweeps.v1");

// One sweep per pool serves every machine of that pool in a deployment (one provider process).
function sessions(): Map<string, Session> {
  const g = globalThis as unknown as Record<symbol, Map<string, Session> | undefined>;
  return (g[REGISTRY] ??= new Map());
}

function allFound(s: Session): boolean {
  return [...s.wanted].every((m) => verdict(s.seen, m).kind !== "missing");
}

/** Every wanted MAC was confirmed during this sweep (not only remembered by the kernel). */
function allFresh(s: Session): boolean {
  return [...s.wanted].every((m) => (s.seen.freshByMac.get(m)?.size ?? 0) > 0);
}

const LATE = Symbol("late");

/** `p`, or {@link LATE} when it has not settled `ms` from now (real time: it may hang). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | typeof LATE> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<typeof LATE>((r) => (timer = setTimeout(() => r(LATE), Math.max(0, ms)))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function run(
  s: Session,
  plan: SweepPlan,
  chosen: ChosenPort,
  budgetMs: number,
  fx: SweepEffects,
): Promise<void> {
  const subnet = plan.link;
  const start = fx.now();
  const deadline = start + budgetMs;
  const late = (what: string) =>
    new ImsError(
      "SWEEP_FAILED",
      `${what} from ${chosen.port} (${chosen.address}) did not finish within the ${budgetMs} ms budget`,
    );
  // Every step is bounded by what is left of the budget, so no effect can hold the sweep.
  const step = async <T>(what: string, p: Promise<T>): Promise<T> => {
    const r = await within(p, deadline - fx.now());
    if (r === LATE) throw late(what);
    return r;
  };
  let stopScan: (() => void) | undefined;
  try {
    // What the kernel already knew: answers of this sweep are the addresses not in it.
    const first = await step("reading the neighbour table", fx.neighbours());
    const before = new Set(first.filter((n) => n.mac !== undefined).map((n) => n.ip));
    record(s.seen, first, chosen.port, subnet, before);
    // A look cut short by the deadline is skipped: the verdict goes on what was seen until then.
    const look = async () => {
      const table = await within(fx.neighbours(), deadline - fx.now());
      if (table !== LATE) record(s.seen, table, chosen.port, subnet, before);
    };
    // arp-scan's answers are answers of this sweep by construction.
    stopScan = fx.arpScan?.(chosen.port, subnet, budgetMs, (n) =>
      record(s.seen, [n], chosen.port, subnet, new Set()),
    );
    // Stop when every MAC answered during the sweep, or, after a first full round, when the
    // kernel still remembers it at an address no answer contradicts (a remembered entry is
    // re-confirmed only seconds later). A moved host answers at its new address within that round.
    while (!allFresh(s) && !(s.rounds > 0 && allFound(s)) && fx.now() < deadline) {
      await step(
        "probing",
        fx.probe(
          plan.targets.filter((h) => !s.seen.freshIps.has(h)),
          chosen.address,
          deadline,
        ),
      );
      s.rounds++;
      const roundEnd = Math.min(fx.now() + ROUND_MS, deadline);
      while (fx.now() < roundEnd) {
        await fx.sleep(Math.min(POLL_MS, roundEnd - fx.now()));
        if (fx.now() >= deadline) break;
        await look();
        if (allFresh(s)) break;
      }
      const missing = [...s.wanted].filter((m) => verdict(s.seen, m).kind === "missing");
      tell(
        s,
        `sweep ${s.rounds} of ${subnet} from ${chosen.port}: ${s.seen.freshIps.size} of ${plan.targets.length} addresses answered${missing.length > 0 ? `, still looking for ${missing.join(", ")}` : ""} (${shownMs(fx.now() - start)} of ${shownMs(budgetMs)})`,
      );
    }
    // Replies of a second address of the same MAC arrive with the first: one more look, a poll
    // later (within the budget), so that a late second reply can be seen.
    if (fx.now() < deadline) {
      await fx.sleep(Math.min(POLL_MS, deadline - fx.now()));
      await look();
    }
  } catch (e) {
    s.error = isImsError(e)
      ? e
      : new ImsError(
          "SWEEP_FAILED",
          `sweeping ${subnet} from ${chosen.port} (${chosen.address}) failed: ${(e as Error).message}. Check that ${chosen.port} is up and still has ${chosen.address}, then retry; or give the machine's address as ip`,
          { cause: e },
        );
  } finally {
    stopScan?.();
    s.elapsedMs = fx.now() - start;
  }
}

/** The prefix length of an interface address: from its CIDR, else from its netmask. */
function cidrOf(info: os.NetworkInterfaceInfo | undefined, address: string): string {
  if (info?.cidr) return info.cidr;
  const bits = (info?.netmask ?? "255.255.255.255")
    .split(".")
    .reduce((n, o) => n + (Number(o) >>> 0).toString(2).replace(/0/g, "").length, 0);
  return `${address}/${bits}`;
}

/**
 * Finds the address of `mac` on the pool's subnet (SPEC §4): the first pool port with an address
 * in the subnet is used; every host address is probed, concurrently and again each round until
 * the MAC answers or the budget is spent; the neighbour table gives the answer. Concurrent calls
 * for the same pool share one sweep. Fails with a clear error when the MAC is not found, answers
 * at two addresses, or shares its address with another MAC.
 */
export async function discoverMac(
  mac: string,
  pool: PoolNetwork,
  options: SweepOptions = {},
  fx: SweepEffects = SYSTEM,
): Promise<Discovery> {
  const budgetMs = options.budgetMs ?? 3000;
  // The subnet comes from domain.xml, which check never saw: the same rule as the input.
  const { problem } = parseSubnet(pool.subnet);
  if (problem) {
    throw new ImsError(
      "INVALID_INPUT",
      `server pool "${pool.name}" has sub-net ${JSON.stringify(pool.subnet)} in domain.xml, which ${problem}: fix the file (or the ServerPool's subnet) before finding MAC ${mac}`,
    );
  }
  const prefix = Number(pool.subnet.split("/")[1]);
  if (prefix < 22 && !options.allowLargeSweep) {
    throw new ImsError(
      "SWEEP_TOO_LARGE",
      `server pool "${pool.name}" has subnet ${pool.subnet} (${hostCount(prefix)} addresses): sweeping more than a /22 (1022 addresses) needs allowLargeSweep: true, or give machine addresses as ip`,
    );
  }
  const interfaces = await fx.interfaces();
  const { chosen, problems } = choosePort(pool.portNames, interfaces, pool.subnet, true);
  if (!chosen) {
    throw new ImsError(
      "NO_PORT_ON_SUBNET",
      `none of the ports of server pool "${pool.name}" (${pool.portNames.join(", ")}) has an IPv4 address in ${pool.subnet}: ${problems.join("; ")}. Finding MAC ${mac} needs the DAS on the pool subnet; give the machine a fixed ip instead`,
    );
  }
  const info = (interfaces[chosen.port] ?? []).find((a) => a.address === chosen.address);
  const plan = planSweep(
    pool.name,
    pool.subnet,
    chosen.port,
    chosen.address,
    cidrOf(info, chosen.address),
    options.allowLargeSweep === true,
    await fx.routes?.(),
  );
  const key = `${fx.id ?? "local"}|${pool.subnet}|${chosen.port}`;
  const all = sessions();
  let s = all.get(key);
  const progress = options.progress;
  if (s && (s.running || verdict(s.seen, mac).kind !== "missing")) {
    s.wanted.add(mac);
    if (progress && s.running) {
      s.listeners.add(progress);
      progress(`finding MAC ${mac}: joined the running sweep of server pool "${pool.name}"`);
    }
  } else {
    const session: Session = {
      wanted: new Set([mac]),
      seen: newSightings(),
      rounds: 0,
      elapsedMs: 0,
      running: true,
      done: Promise.resolve(),
      listeners: new Set(progress ? [progress] : []),
    };
    progress?.(
      `finding MAC ${mac}: sweeping server pool "${pool.name}" (${plan.targets.length} addresses of ${plan.link}) from ${chosen.port} (${chosen.address}), up to ${shownMs(budgetMs)}`,
    );
    // Let the machines of the same engine wave join before the first probe.
    session.done = new Promise<void>((r) => setImmediate(r))
      .then(() => run(session, plan, chosen, budgetMs, fx))
      .finally(() => (session.running = false));
    all.set(key, session);
    s = session;
  }
  await s.done;
  if (progress) s.listeners.delete(progress);
  const v = verdict(s.seen, mac);
  if (v.kind === "found")
    progress?.(
      `found MAC ${mac} at ${v.ip} after ${s.rounds} sweep${s.rounds === 1 ? "" : "s"} (${shownMs(s.elapsedMs)})`,
    );
  if (s.error && v.kind === "missing") throw s.error;
  const where = `on ${pool.subnet} via ${chosen.port} (${chosen.address})`;
  switch (v.kind) {
    case "found":
      return {
        ip: v.ip,
        port: chosen.port,
        source: chosen.address,
        rounds: s.rounds,
        elapsedMs: s.elapsedMs,
      };
    case "missing":
      throw new ImsError(
        "MAC_NOT_FOUND",
        `no host answered with MAC ${mac} ${where} within ${s.elapsedMs} ms (${s.rounds} sweeps of ${plan.targets.length} addresses on ${plan.link}${plan.offLink.length > 0 ? `; ${plan.offLink.length} more are routed elsewhere and were not probed` : ""}): check that the machine is up and on that network, raise discoveryTimeoutMs, or give its address as ip`,
      );
    case "many-ips":
      throw new ImsError(
        "MAC_CONFLICT",
        `MAC ${mac} answers at ${v.ips.join(" and ")} ${where}: a host with two addresses on one network; give the one to use as ip`,
      );
    case "shared-ip":
      throw new ImsError(
        "MAC_CONFLICT",
        `address ${v.ip} answers with MACs ${v.macs.join(" and ")} ${where}: an address conflict; fix the network or give the machine's address as ip`,
      );
  }
}
