// Two machines of one deployment that GlassFish would resolve wrongly although the file would
// take both: one fixed ip given to two machines of one pool (both connect to one host), or one MAC
// given to two machines (discovery finds one host for both). Found at `check`, so preview says so.
import { domainPath } from "../store/store";
import { dasIdentity } from "./das-host";
import { urnOf } from "./journal";
import { isUnknown, type CheckFailure } from "./rules";

// The machines this provider process (one deployment) checked, by what must be unique, shared
// through a global symbol as the store's queues are.
const SEEN = Symbol.for("glassfish-ims.machine-keys.v1");

interface Seen {
  /** Key (host and file, pool, ip / host and file, mac) to the URN that gave it. */
  byKey: Map<string, string>;
  /** URN to the keys it gave last, so a second check of one resource replaces its keys. */
  byUrn: Map<string, string[]>;
}

function seen(): Seen {
  const g = globalThis as unknown as Record<symbol, Seen | undefined>;
  return (g[SEEN] ??= { byKey: new Map(), byUrn: new Map() });
}

/** The resource name of a URN (its last `::` part). */
function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** The machine's inputs this check compares (after check normalized them). */
interface MachineKeys {
  domainXml?: unknown;
  /** The DAS host that holds domainXml (absent: this machine). */
  connection?: unknown;
  serverPool?: unknown;
  name?: unknown;
  ip?: unknown;
  mac?: unknown;
}

/**
 * The failures of a machine whose fixed `ip` (in its pool) or `mac` another machine resource of
 * this deployment already gave, naming both resources. Needs the URN the SDK or the plugin adds
 * (`__urn`); without it, or with a value still unknown, nothing is compared. There is no real use
 * for either: GlassFish reaches a machine by its address, and a MAC names one network card.
 */
export function duplicateFailures(inputs: MachineKeys & object): CheckFailure[] {
  const urn = urnOf(inputs);
  const { domainXml, connection, serverPool, ip, mac } = inputs;
  if (!urn || typeof domainXml !== "string" || isUnknown(domainXml)) return [];
  if (isUnknown(connection)) return [];
  // One path on two DAS hosts is two files: machines of one are no duplicates of the other's.
  const file = `${dasIdentity(connection)}\0${domainPath(domainXml)}`;
  const keys: Array<{ key: string; property: string; reason: (other: string) => string }> = [];
  if (typeof ip === "string" && !isUnknown(ip) && typeof serverPool === "string") {
    if (!isUnknown(serverPool)) {
      keys.push({
        key: `${file}\0ip\0${serverPool}\0${ip}`,
        property: "ip",
        reason: (other) =>
          `ip "${ip}" of machine resource "${nameOf(urn)}" is also the ip of machine resource "${other}" in server pool "${serverPool}": GlassFish would reach one host for both; give each machine its own ip`,
      });
    }
  }
  if (typeof mac === "string" && !isUnknown(mac)) {
    keys.push({
      key: `${file}\0mac\0${mac}`,
      property: "mac",
      reason: (other) =>
        `mac "${mac}" of machine resource "${nameOf(urn)}" is also the mac of machine resource "${other}": one MAC is one network card, so discovery would find one host for both; give each machine its own mac`,
    });
  }
  const s = seen();
  for (const old of s.byUrn.get(urn) ?? []) if (s.byKey.get(old) === urn) s.byKey.delete(old);
  const failures: CheckFailure[] = [];
  const mine: string[] = [];
  for (const k of keys) {
    const holder = s.byKey.get(k.key);
    if (holder !== undefined && holder !== urn) {
      failures.push({ property: k.property, reason: k.reason(nameOf(holder)) });
    } else {
      s.byKey.set(k.key, urn);
      mine.push(k.key);
    }
  }
  s.byUrn.set(urn, mine);
  return failures;
}
