// Reads `ip -j addr show` (iproute2) into the shape of `os.networkInterfaces()`, so a DAS host's
// interfaces, read over SSH, feed the same port choice as this machine's own. Pure: no I/O.
import type { NetworkInterfaceInfo } from "os";

interface IpAddrInfo {
  family?: string;
  local?: string;
  prefixlen?: number;
  label?: string;
}

interface IpLink {
  ifname?: string;
  flags?: string[];
  address?: string;
  addr_info?: IpAddrInfo[];
}

/** The dotted netmask of an IPv4 prefix length (`24` gives `255.255.255.0`). */
function netmask4(prefix: number): string {
  const bits = prefix <= 0 ? 0 : (0xffffffff << (32 - Math.min(prefix, 32))) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 0xff).join(".");
}

/** The IPv6 netmask of a prefix length, in the compressed-free form Node gives. */
function netmask6(prefix: number): string {
  const groups: string[] = [];
  for (let g = 0; g < 8; g++) {
    const n = Math.max(0, Math.min(16, prefix - g * 16));
    groups.push(((0xffff << (16 - n)) & 0xffff).toString(16));
  }
  return groups.join(":");
}

/**
 * The interfaces `ip -j addr show` lists, keyed as `os.networkInterfaces()` keys them (an IPv4
 * address's label, such as `eth0:1`, else the interface name). Like Node, it leaves out
 * interfaces that are down or have no carrier. Throws on text that is not iproute2's JSON.
 */
export function parseIpAddrJson(text: string): NodeJS.Dict<NetworkInterfaceInfo[]> {
  const links = JSON.parse(text) as unknown;
  if (!Array.isArray(links)) throw new Error("ip -j addr did not print a JSON array");
  const out: NodeJS.Dict<NetworkInterfaceInfo[]> = {};
  for (const link of links as IpLink[]) {
    const flags = link.flags ?? [];
    if (!link.ifname || !flags.includes("UP") || flags.includes("NO-CARRIER")) continue;
    const internal = flags.includes("LOOPBACK");
    const mac =
      link.address && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(link.address)
        ? link.address.toLowerCase()
        : "00:00:00:00:00:00";
    for (const a of link.addr_info ?? []) {
      if (!a.local || typeof a.prefixlen !== "number") continue;
      const v4 = a.family === "inet";
      if (!v4 && a.family !== "inet6") continue;
      const name = v4 && a.label ? a.label : link.ifname;
      const info: NetworkInterfaceInfo = v4
        ? {
            address: a.local,
            netmask: netmask4(a.prefixlen),
            family: "IPv4",
            mac,
            internal,
            cidr: `${a.local}/${a.prefixlen}`,
          }
        : {
            address: a.local,
            netmask: netmask6(a.prefixlen),
            family: "IPv6",
            mac,
            internal,
            cidr: `${a.local}/${a.prefixlen}`,
            scopeid: 0,
          };
      (out[name] ??= []).push(info);
    }
  }
  return out;
}
