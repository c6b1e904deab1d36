// Which addresses a sweep may probe: only those on the chosen port's own link, routed out of that
// port with no gateway, and not too many.
import { ImsError } from "../errors";
import { parseSubnet } from "./address";
import { hostCount } from "./neighbours";

/** At most this many addresses are probed: a /22, the largest sweep allowed by default. */
export const TARGET_CAP = 1022;
/** At most this many with `allowLargeSweep`: a /20. Larger links are refused whatever is set. */
export const LARGE_TARGET_CAP = 4094;

/** One IPv4 route of the main routing table. */
export interface Route {
  /** The interface the route goes out of. */
  dev: string;
  /** Network address as an unsigned 32-bit number. */
  destination: number;
  /** Prefix length. */
  prefix: number;
  /** Next hop; `0.0.0.0` for a directly connected network. */
  gateway: string;
  /** Preference among routes of the same prefix (lower wins). */
  metric: number;
}

function toNumber(ip: string): number {
  return ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

function toIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** `/proc/net/route` stores addresses as little-endian hex. */
function fromHexLe(hex: string): number {
  const n = Number.parseInt(hex, 16) >>> 0;
  return (
    (n & 0xff) * 2 ** 24 +
    ((n >>> 8) & 0xff) * 2 ** 16 +
    ((n >>> 16) & 0xff) * 256 +
    ((n >>> 24) & 0xff)
  );
}

const RTF_UP = 0x1;
const RTF_REJECT = 0x200;

/** Parses `/proc/net/route` (Linux's main IPv4 table); routes that are down are left out. */
export function parseProcNetRoute(text: string): Route[] {
  const out: Route[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const [dev, dest, gw, flags, , , metric, mask] = f;
    const fl = Number.parseInt(flags, 16);
    if (!(fl & RTF_UP)) continue;
    const m = fromHexLe(mask);
    const prefix = 32 - Math.log2(2 ** 32 - m);
    out.push({
      dev: fl & RTF_REJECT ? "" : dev,
      destination: fromHexLe(dest),
      prefix: Number.isInteger(prefix) ? prefix : 32,
      gateway: toIp(fromHexLe(gw)),
      metric: Number(metric),
    });
  }
  return out;
}

/** The route the kernel picks for `ip` from `routes`: longest prefix, then lowest metric. */
export function routeFor(ip: string, routes: readonly Route[]): Route | undefined {
  const n = toNumber(ip);
  let best: Route | undefined;
  for (const r of routes) {
    if ((n & maskOf(r.prefix)) >>> 0 !== r.destination) continue;
    if (!best || r.prefix > best.prefix || (r.prefix === best.prefix && r.metric < best.metric))
      best = r;
  }
  return best;
}

/** Where a sweep probes from and to. */
export interface SweepPlan {
  /** The part of the pool subnet on the port's own link, e.g. `10.132.181.0/24`. */
  link: string;
  /** Host addresses of `link` routed straight out of the port, the port's own address excepted. */
  targets: string[];
  /** Addresses of `link` the routing table sends elsewhere (another port, a gateway): skipped. */
  offLink: string[];
}

/**
 * Plans a sweep of `poolSubnet` from a port with address `address` on network `portCidr`
 * (`10.132.181.1/24`): only the intersection of the two is probed (a pool subnet wider than the
 * port's network would otherwise send probes to the default route), capped at
 * {@link TARGET_CAP} addresses ({@link LARGE_TARGET_CAP} with `allowLargeSweep`). With `routes`
 * (the main routing table), addresses it would not send straight out of `port` are skipped too.
 */
export function planSweep(
  poolName: string,
  poolSubnet: string,
  port: string,
  address: string,
  portCidr: string,
  allowLargeSweep: boolean,
  routes?: readonly Route[],
): SweepPlan {
  const pool = parseSubnet(poolSubnet).subnet;
  const portPrefix = Number(portCidr.split("/")[1]);
  if (!pool) throw new ImsError("INVALID_INPUT", `sub-net ${poolSubnet} is not a subnet`);
  const prefix = Math.max(pool.prefix, Number.isInteger(portPrefix) ? portPrefix : 32);
  const network = (toNumber(address) & maskOf(prefix)) >>> 0;
  const link = `${toIp(network)}/${prefix}`;
  const count = hostCount(prefix);
  const cap = allowLargeSweep ? LARGE_TARGET_CAP : TARGET_CAP;
  if (count > cap) {
    throw new ImsError(
      "SWEEP_TOO_LARGE",
      `server pool "${poolName}" would be swept on ${link} (its subnet ${poolSubnet} on ${port}'s link ${portCidr}): ${count} addresses, more than the ${cap} a sweep may probe${allowLargeSweep ? "" : " without allowLargeSweep: true"}; give machine addresses as ip, or use a smaller subnet`,
    );
  }
  const targets: string[] = [];
  const offLink: string[] = [];
  for (let n = network + 1; n < network + 2 ** (32 - prefix) - 1; n++) {
    const ip = toIp(n);
    if (ip === address) continue;
    const r = routes && routeFor(ip, routes);
    if (routes && !(r && r.dev === port && r.gateway === "0.0.0.0")) offLink.push(ip);
    else targets.push(ip);
  }
  return { link, targets, offLink };
}
