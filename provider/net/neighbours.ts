import { execFile } from "child_process";
import { promises as fs } from "fs";
import { Address4 } from "ip-address";
import type { NetworkInterfaceInfo } from "os";
import { ImsError } from "../errors";
import { normalizeMac } from "./address";
import { parseBsdArp } from "./bsd-arp";

/** One entry of the kernel's neighbour (ARP) table. */
export interface Neighbour {
  ip: string;
  /** Lower-case colon form; undefined while unresolved. */
  mac?: string;
  dev: string;
}

/** Parses `/proc/net/arp`; entries without a resolved address (flags 0x0) have no mac. */
export function parseProcNetArp(text: string): Neighbour[] {
  const out: Neighbour[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    const [ip, , flags, hw, , dev] = f;
    const complete = (Number.parseInt(flags, 16) & 0x2) !== 0;
    const mac = complete ? normalizeMac(hw) : undefined;
    out.push(mac ? { ip, mac, dev } : { ip, dev });
  }
  return out;
}

/** Where the neighbour table is read from: a file (Linux) or a command's output (macOS). */
export interface TableSource {
  /** A file's text (`/proc/net/arp`). */
  readFile(file: string): Promise<string>;
  /** A command's output, run with an argument array (`arp -an`). */
  run(command: string, args: readonly string[]): Promise<string>;
}

/** The machine's own files and commands. */
export const SYSTEM_TABLE: TableSource = {
  readFile: (file) => fs.readFile(file, "utf8"),
  run: (command, args) =>
    new Promise((resolve, reject) =>
      execFile(command, [...args], { encoding: "utf8" }, (err, out) =>
        err ? reject(err) : resolve(out),
      ),
    ),
};

/**
 * Reads the neighbour (ARP) table: `/proc/net/arp` on Linux, `arp -an` on macOS (no root needed
 * for either). Any other platform fails with `PLATFORM_UNSUPPORTED`, naming it.
 * @default platform `process.platform`
 */
export async function readNeighbourTable(
  platform: NodeJS.Platform = process.platform,
  source: TableSource = SYSTEM_TABLE,
): Promise<Neighbour[]> {
  switch (platform) {
    case "linux":
      return parseProcNetArp(await source.readFile("/proc/net/arp"));
    case "darwin":
      return parseBsdArp(await source.run("/usr/sbin/arp", ["-an"]));
    default:
      throw new ImsError(
        "PLATFORM_UNSUPPORTED",
        `finding machines by MAC reads the neighbour table, which this provider knows how to read on Linux and macOS only, not on platform "${platform}": run the DAS on Linux or macOS, or give the machines fixed ip addresses`,
      );
  }
}

/** Parses `ip neigh` (`10.0.0.2 dev br0 lladdr 02:00:00:00:00:02 REACHABLE`); IPv4 only. */
export function parseIpNeigh(text: string): Neighbour[] {
  const out: Neighbour[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\d+\.\d+\.\d+\.\d+)\s+dev\s+(\S+)(?:\s+lladdr\s+(\S+))?.*?(\S+)\s*$/.exec(
      line.trim(),
    );
    if (!m) continue;
    const state = m[4];
    const mac = m[3] && !/FAILED|INCOMPLETE/.test(state) ? normalizeMac(m[3]) : undefined;
    out.push(mac ? { ip: m[1], mac, dev: m[2] } : { ip: m[1], dev: m[2] });
  }
  return out;
}

/** Parses `arp-scan --quiet --plain` output (`10.0.0.2<TAB>02:00:00:00:00:02`), one per reply. */
export function parseArpScan(text: string, dev: string): Neighbour[] {
  const out: Neighbour[] = [];
  for (const line of text.split("\n")) {
    const [ip, hw] = line.trim().split(/\s+/);
    const mac = hw ? normalizeMac(hw) : undefined;
    if (ip && mac && /^\d+\.\d+\.\d+\.\d+$/.test(ip)) out.push({ ip, mac, dev });
  }
  return out;
}

/** The port discovery sweeps from: the first of the pool's ports with an address in the subnet. */
export interface ChosenPort {
  port: string;
  address: string;
}

/**
 * Picks the first port (in `portNames` order) that exists and has an IPv4 address inside
 * `subnet` (for a sweep, `sweepable`: on a network with other hosts, not a /31 or /32);
 * otherwise says, for every port, why not.
 */
export function choosePort(
  portNames: readonly string[],
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
  subnet: string,
  sweepable = false,
): { chosen?: ChosenPort; problems: string[] } {
  const net = new Address4(subnet);
  const problems: string[] = [];
  for (const port of portNames) {
    const addrs = (interfaces[port] ?? []).filter((a) => a.family === "IPv4");
    if (!interfaces[port]) {
      problems.push(`${port} does not exist`);
      continue;
    }
    const inSubnet = addrs.filter((a) => new Address4(a.address).isInSubnet(net));
    // A /31 or /32 (a point-to-point tunnel) has no neighbours on its own link to sweep.
    const inside = inSubnet.find((a) => !sweepable || Number((a.cidr ?? "/0").split("/")[1]) <= 30);
    if (inside) return { chosen: { port, address: inside.address }, problems };
    problems.push(
      inSubnet.length > 0
        ? `${port} has ${inSubnet.map((a) => a.cidr ?? a.address).join(", ")}, a link with no other host`
        : addrs.length === 0
          ? `${port} has no IPv4 address`
          : `${port} has ${addrs.map((a) => a.cidr ?? a.address).join(", ")}`,
    );
  }
  return { problems };
}

/** Every host address of an IPv4 subnet (network and broadcast excluded), in order. */
export function hostAddresses(cidr: string): string[] {
  const net = new Address4(cidr);
  const first = net.startAddress().bigInt() + 1n;
  const last = net.endAddress().bigInt() - 1n;
  const out: string[] = [];
  for (let n = first; n <= last; n++) out.push(Address4.fromBigInt(n).correctForm());
  return out;
}

/** How many host addresses a subnet of this prefix length has. */
export function hostCount(prefix: number): number {
  return Math.max(2 ** (32 - prefix) - 2, 0);
}

/** What the sweeps saw: for each MAC the addresses it answered at, for each address its MACs. */
export interface Sightings {
  byMac: Map<string, Set<string>>;
  byIp: Map<string, Set<string>>;
  /**
   * The addresses each MAC answered at during the sweep: resolved now, unresolved when it began.
   * A moved host's old address, still remembered by the kernel, is not among them.
   */
  freshByMac: Map<string, Set<string>>;
  /** Every address that answered during the sweep. */
  freshIps: Set<string>;
}

/** An empty record of sightings. */
export function newSightings(): Sightings {
  return { byMac: new Map(), byIp: new Map(), freshByMac: new Map(), freshIps: new Set() };
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

/**
 * Adds the resolved neighbours of `dev` inside `subnet` to `seen`; entries outside the subnet or
 * on another device are ignored. Addresses not in `before` (those resolved when the sweep began)
 * count as answers of this sweep.
 */
export function record(
  seen: Sightings,
  neighbours: readonly Neighbour[],
  dev: string,
  subnet: string,
  before?: ReadonlySet<string>,
): void {
  const net = new Address4(subnet);
  for (const n of neighbours) {
    if (!n.mac || n.dev !== dev || !new Address4(n.ip).isInSubnet(net)) continue;
    add(seen.byMac, n.mac, n.ip);
    add(seen.byIp, n.ip, n.mac);
    if (before && !before.has(n.ip)) {
      add(seen.freshByMac, n.mac, n.ip);
      seen.freshIps.add(n.ip);
    }
  }
}

/** The verdict for one MAC: its address, or why there is none to give. */
export type Verdict =
  | { kind: "found"; ip: string }
  | { kind: "missing" }
  | { kind: "many-ips"; ips: string[] }
  | { kind: "shared-ip"; ip: string; macs: string[] };

/** Decides what `seen` says about `mac`: exactly one address, held by it alone, or a conflict. */
export function verdict(seen: Sightings, mac: string): Verdict {
  // Answers of this sweep win over what the kernel remembered (a moved host's old address).
  const fresh = seen.freshByMac.get(mac);
  const ips = [...(fresh && fresh.size > 0 ? fresh : (seen.byMac.get(mac) ?? []))].sort();
  if (ips.length === 0) return { kind: "missing" };
  if (ips.length > 1) return { kind: "many-ips", ips };
  const macs = [...(seen.byIp.get(ips[0]) ?? [])].sort();
  if (macs.length > 1) return { kind: "shared-ip", ip: ips[0], macs };
  return { kind: "found", ip: ips[0] };
}
