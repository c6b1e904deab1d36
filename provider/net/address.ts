import { Address4 } from "ip-address";

/**
 * A MAC address in lower-case colon form (`00:1c:c4:9f:e9:3b`), from `:` or `-` separated input
 * in any case; undefined when it is not six hex octets.
 */
export function normalizeMac(input: string): string | undefined {
  const m =
    /^([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/i.exec(
      input.trim(),
    );
  if (!m) return undefined;
  return [m[1], m[3], m[4], m[5], m[6], m[7]].join(":").toLowerCase();
}

/** A parsed IPv4 subnet. */
export interface Subnet {
  /** Canonical form, `10.132.181.0/24`. */
  cidr: string;
  network: string;
  prefix: number;
}

/** Why a CIDR string is not a usable pool subnet, or the parsed subnet. */
export function parseSubnet(input: string): { subnet?: Subnet; problem?: string } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(input.trim());
  if (!m || !Address4.isValid(m[1]))
    return { problem: "must be an IPv4 subnet in CIDR form such as 10.132.181.0/24" };
  const prefix = Number(m[2]);
  if (prefix < 8 || prefix > 30) return { problem: "must have a prefix length from /8 to /30" };
  const addr = new Address4(`${m[1]}/${prefix}`);
  const network = addr.startAddress().correctForm();
  if (network !== addr.correctForm()) {
    return { problem: `is not a network address: did you mean "${network}/${prefix}"?` };
  }
  return { subnet: { cidr: `${network}/${prefix}`, network, prefix } };
}

/** True for a dotted-quad IPv4 address. */
export function isIPv4(input: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(input) && Address4.isValid(input);
}

/** True when `ip` lies in `cidr` and is a host address (neither network nor broadcast). */
export function isHostIn(ip: string, cidr: string): boolean {
  const net = new Address4(cidr);
  const a = new Address4(ip);
  if (!a.isInSubnet(net)) return false;
  return ip !== net.startAddress().correctForm() && ip !== net.endAddress().correctForm();
}

/** Linux interface names: 1 to 15 characters, no `/`, whitespace, or `;` (the list separator). */
export function isInterfaceName(input: string): boolean {
  return /^[A-Za-z0-9_.:@-]{1,15}$/.test(input);
}
