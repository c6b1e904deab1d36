import { normalizeMac } from "./address";
import type { Neighbour } from "./neighbours";

// `? (10.0.0.1) at 0:1c:c4:9f:e9:3b on en0 ifscope [ethernet]`: the name is `?` under -n, the
// link-layer address `(incomplete)` while unresolved; what follows the interface (`ifscope`,
// `permanent`, `expires in N seconds`, `[ethernet]`) does not matter here.
const LINE = /^\S+\s+\((\d{1,3}(?:\.\d{1,3}){3})\)\s+at\s+(\S+)\s+on\s+(\S+)/;

/** A BSD link-layer address (`0:1c:c4:9f:e9:3b`, octets without leading zeros) in colon form. */
function bsdMac(text: string): string | undefined {
  const octets = text.split(":");
  if (octets.length !== 6 || !octets.every((o) => /^[0-9a-f]{1,2}$/i.test(o))) return undefined;
  return normalizeMac(octets.map((o) => o.padStart(2, "0")).join(":"));
}

/**
 * Parses the neighbour table as BSD `arp -an` prints it (macOS, FreeBSD). Incomplete entries have
 * no mac; an address listed on several interfaces (macOS `ifscope`) gives one entry per interface.
 */
export function parseBsdArp(text: string): Neighbour[] {
  const out: Neighbour[] = [];
  for (const line of text.split("\n")) {
    const m = LINE.exec(line.trim());
    if (!m) continue;
    const [, ip, hw, dev] = m;
    const mac = bsdMac(hw);
    out.push(mac ? { ip, mac, dev } : { ip, dev });
  }
  return out;
}
