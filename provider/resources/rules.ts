import * as path from "path";
import type { CheckFailure } from "../engine-types";
import { ImsError } from "../errors";
import { MACROS } from "../libvirt/presets";
import { expandConnectionString, type Target } from "../libvirt/uri";
import { isHostIn, isInterfaceName, isIPv4, normalizeMac, parseSubnet } from "../net/address";

/** The value the engine sends for an input not known yet (during preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when `v` is, or contains, a value unknown during preview. */
export function isUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(isUnknown);
  if (v !== null && typeof v === "object") return Object.values(v).some(isUnknown);
  return false;
}

// Declared with the seam's types (engine-types.ts); re-exported for the resources' rules.
export type { CheckFailure };

/**
 * One validation rule: the property it guards and a test that returns what is wrong (or
 * undefined). Rules never see unknown values, and optional properties that are absent pass unless
 * the rule is `required`.
 */
export interface Rule {
  property: string;
  required?: boolean;
  test: (value: unknown, inputs: Record<string, unknown>) => string | undefined;
}

/** Renders a value for a message: strings quoted, the rest as JSON. */
export function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
}

/**
 * Characters XML 1.0 does not allow in a document (control characters other than tab, line feed
 * and carriage return; U+FFFE, U+FFFF; unpaired surrogates: in a `u` regex a
 * surrogate pair is one code point, so only lone halves match). Written raw, any of them leaves a
 * domain.xml that no parser (GlassFish's included) accepts.
 */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/u;

/**
 * Where `v` (a string, or strings inside an array) holds a character XML 1.0 forbids: the
 * character and its place, e.g. `U+0001 at position 16` (`[1]` is added for an array element).
 */
function notXmlCharacter(v: unknown): string | undefined {
  const strings = Array.isArray(v) ? v : [v];
  for (const [i, s] of strings.entries()) {
    if (typeof s !== "string") continue;
    const m = NOT_XML.exec(s);
    if (!m) continue;
    const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    return `U+${code} at position ${m.index + 1}${Array.isArray(v) ? ` of [${i}]` : ""}`;
  }
  return undefined;
}

/**
 * Runs every rule and reports every failure at once, in rule order. Before its own test, every
 * value is checked for characters XML 1.0 does not allow: no input can make domain.xml malformed.
 */
export function runRules(inputs: Record<string, unknown>, rules: readonly Rule[]): CheckFailure[] {
  const failures: CheckFailure[] = [];
  for (const rule of rules) {
    const value = inputs[rule.property];
    if (isUnknown(value)) continue;
    if (value === undefined || value === null) {
      if (rule.required)
        failures.push({ property: rule.property, reason: `${rule.property} is required` });
      continue;
    }
    const bad = notXmlCharacter(value);
    if (bad !== undefined) {
      failures.push({
        property: rule.property,
        // The value itself is not shown: it may be a connection string with a password.
        reason: `${rule.property} holds the character ${bad}, which XML 1.0 does not allow: remove it`,
      });
      continue;
    }
    const reason = rule.test(value, inputs);
    if (reason !== undefined) failures.push({ property: rule.property, reason });
  }
  return failures;
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** A GlassFish element name: safe in XML, in a URI and on a command line. */
export function nameRule(property: string, required = true): Rule {
  return {
    property,
    required,
    test: (v) => {
      if (typeof v !== "string") return `${property} must be a string, got ${show(v)}`;
      if (v.length === 0 || v.length > 255 || !NAME.test(v)) {
        return `${property} ${show(v)} must be 1 to 255 characters, start with a letter, digit or "_", and contain only letters, digits, "_", "-" and "."`;
      }
      return undefined;
    },
  };
}

/** One of a fixed list of strings. */
export function oneOfRule(property: string, allowed: readonly string[], required = false): Rule {
  return {
    property,
    required,
    test: (v) =>
      typeof v === "string" && allowed.includes(v)
        ? undefined
        : `${property} ${show(v)} is not allowed: use one of ${allowed.map((a) => `"${a}"`).join(", ")}`,
  };
}

/** An integer within bounds. */
export function integerRule(property: string, min: number, max: number, required = false): Rule {
  return {
    property,
    required,
    test: (v) =>
      typeof v === "number" && Number.isInteger(v) && v >= min && v <= max
        ? undefined
        : `${property} ${show(v)} must be a whole number from ${min} to ${max}`,
  };
}

/** A boolean. */
export function booleanRule(property: string): Rule {
  return {
    property,
    test: (v) =>
      typeof v === "boolean" ? undefined : `${property} ${show(v)} must be true or false`,
  };
}

/** An absolute file system path without control characters. */
export function absolutePathRule(property: string): Rule {
  return {
    property,
    test: (v) =>
      typeof v === "string" && path.isAbsolute(v) && !/[\0-\x1f]/.test(v)
        ? undefined
        : `${property} ${show(v)} must be an absolute path such as /usr/bin/kvm`,
  };
}

/** The path of a domain.xml: any non-empty path without control characters. */
export function domainXmlRule(property = "domainXml"): Rule {
  return {
    property,
    required: true,
    test: (v) =>
      typeof v === "string" && v.trim() !== "" && !/[\0-\x1f]/.test(v)
        ? undefined
        : `${property} ${show(v)} must be the path of a GlassFish domain.xml, such as glassfish/domains/domain1/config/domain.xml`,
  };
}

/** A macro as the message may quote it: one that looks like a macro name, never free text. */
function macroShown(m: string): string {
  return /^#\{[A-Za-z0-9_.-]{1,32}\}$/.test(m) ? m : "#{...}";
}

/**
 * A libvirt connection-string template: a URI scheme, only the known `#{...}` macros, and no
 * whitespace. The template may hold credentials and is secret: a message names the property and
 * what is wrong, never the template or what it expands to.
 */
export function connectionStringRule(property: string): Rule {
  return {
    property,
    test: (v) => {
      if (typeof v !== "string") return `${property} must be a string, got ${typeof v}`;
      const unknown = (v.match(/#\{[^}]*\}/g) ?? []).filter(
        (m) => !(MACROS as readonly string[]).includes(m),
      );
      if (unknown.length > 0) {
        return `${property} uses unknown macro${unknown.length > 1 ? "s" : ""} ${unknown.map(macroShown).join(", ")}: allowed are ${MACROS.join(", ")}`;
      }
      const bare = v.replace(/#\{[^}]*\}/g, "");
      if (!/^[a-z][a-z0-9+.-]*:\/\/[^\s]*$/i.test(bare)) {
        return `${property} must be a libvirt URI template (a scheme, "://", no whitespace) such as qemu#{auth.sep}#{auth.method}://#{user.name}@#{target.host}/system`;
      }
      const problem = uriShapeProblem(v);
      return problem && `${property} ${problem}`;
    },
  };
}

/** What a template expands to for a remote and for a localhost machine (sample values). */
const SAMPLE_TARGETS: ReadonlyArray<{ label: string; target: Target }> = [
  {
    label: "a remote machine",
    target: { localhost: false, host: "192.0.2.10", user: { name: "glassfish" } },
  },
  { label: "a localhost machine", target: { localhost: true } },
];

/**
 * Why a template does not expand to one libvirt URI (a scheme, one optional `user@`, one host
 * with an optional port, then a path), or undefined when it does for every kind of machine. The
 * reason describes the shape only: the expansion carries the template's credentials.
 */
function uriShapeProblem(template: string): string | undefined {
  for (const { label, target } of SAMPLE_TARGETS) {
    let uri: string;
    try {
      uri = expandConnectionString(template, target);
    } catch {
      return `cannot be expanded for ${label}`;
    }
    const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(uri);
    if (!m) return `does not expand to a URI for ${label}`;
    const authority = m[1];
    const at = authority.lastIndexOf("@");
    if (authority.indexOf("@") !== at) {
      return `expands for ${label} to a URI whose user@host part has more than one "@": libvirt would read another user or host than intended`;
    }
    const host = authority.slice(at + 1);
    if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%-]*)(:\d{1,5})?$/.test(host)) {
      return `expands for ${label} to a URI whose host part is not a host name or address with an optional :port`;
    }
    try {
      // libvirt reads an empty host as localhost (`qemu+tcp://:16509/system`, what a template
      // with a port gives a localhost machine); the URL parser refuses a port without a host.
      new URL(uri.replace(/^([a-z][a-z0-9+.-]*:\/\/(?:[^/?#@]*@)?):/i, "$1localhost:"));
    } catch {
      return `expands for ${label} to something that does not parse as a URI`;
    }
  }
  return undefined;
}

/** The transports libvirt accepts after `+` in a URI scheme; "" means a local connection. */
export const AUTH_METHODS = ["ssh", "libssh", "libssh2", "tls", "tcp", "unix", ""] as const;

/** A unix user name: it is substituted into the libvirt URI, so nothing that changes its shape. */
export function unixUserRule(property: string): Rule {
  return {
    property,
    required: true,
    test: (v) =>
      typeof v === "string" && /^[a-z_][a-z0-9_-]{0,31}$/.test(v)
        ? undefined
        : `${property} ${show(v)} must be a unix user name: 1 to 32 lower-case letters, digits, "_" or "-", starting with a letter or "_"`,
  };
}

/** A POSIX user or group id. */
export function idRule(property: string): Rule {
  return { ...integerRule(property, 0, 4294967294, true) };
}

/** IPv4 ranges no server pool can be on, and why. */
const SPECIAL_RANGES = [
  { name: "multicast", cidr: "224.0.0.0/4", why: "where no machine can be found or reached" },
  {
    name: "loopback",
    cidr: "127.0.0.0/8",
    why: "the DAS host's own addresses, where no other machine can be found or reached (the DAS host itself is a Machine with networkName: localhost)",
  },
] as const;

/** True when the network address `network` lies in `cidr`. */
function isInRange(network: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const n = (a: string) => a.split(".").reduce((x, o) => x * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(n(network) / size) === Math.floor(n(base) / size);
}

/** An IPv4 subnet in CIDR form whose address is the network address, outside special ranges. */
export function subnetRule(property: string): Rule {
  return {
    property,
    required: true,
    test: (v) => {
      if (typeof v !== "string") return `${property} must be a string, got ${show(v)}`;
      const { subnet, problem } = parseSubnet(v);
      if (problem) return `${property} ${show(v)} ${problem}`;
      const range = subnet && SPECIAL_RANGES.find((r) => isInRange(subnet.network, r.cidr));
      return (
        range &&
        `${property} ${show(v)} is in the ${range.name} range ${range.cidr}, ${range.why}: give the subnet of the network the pool's machines are on`
      );
    },
  };
}

/** An ordered, non-empty list of distinct interface names. */
export function portNamesRule(property: string): Rule {
  return {
    property,
    required: true,
    test: (v) => {
      if (!Array.isArray(v) || v.length === 0) {
        return `${property} ${show(v)} must list at least one network interface of the DAS host, such as ["br0"]`;
      }
      const bad = v.findIndex((p) => typeof p !== "string" || !isInterfaceName(p));
      if (bad >= 0) {
        return `${property}[${bad}] ${show(v[bad])} must be a network interface name: 1 to 15 letters, digits, "_", "-", ".", ":" or "@" (";" separates the list in domain.xml)`;
      }
      const dup = v.findIndex((p, i) => v.indexOf(p) !== i);
      if (dup >= 0) return `${property}[${dup}] ${show(v[dup])} is listed twice`;
      return undefined;
    },
  };
}

/**
 * A machine's MAC address: six hex octets separated by `:` or `-`, any case, of one network card:
 * not all-zero, not broadcast, not multicast (the low bit of the first octet set), none of which
 * a neighbour table can map to one host.
 */
export function macRule(property: string): Rule {
  return {
    property,
    test: (v) => {
      const mac = typeof v === "string" ? normalizeMac(v) : undefined;
      if (!mac) {
        return `${property} ${show(v)} must be six hex octets like 00:1c:c4:9f:e9:3b (":" or "-" separated)`;
      }
      const kind =
        mac === "00:00:00:00:00:00"
          ? "the all-zero address"
          : mac === "ff:ff:ff:ff:ff:ff"
            ? "the broadcast address"
            : (Number.parseInt(mac.slice(0, 2), 16) & 1) === 1
              ? "a multicast address (the first octet is odd)"
              : undefined;
      return (
        kind &&
        `${property} ${show(v)} is ${kind}: give the unicast MAC of the machine's network card`
      );
    },
  };
}

/** An IPv4 address, inside the pool subnet when that is known. */
export function machineIpRule(property: string, subnetKey: string): Rule {
  return {
    property,
    test: (v, inputs) => {
      if (typeof v !== "string" || !isIPv4(v)) {
        return `${property} ${show(v)} must be an IPv4 address such as 10.132.181.57`;
      }
      const subnet = inputs[subnetKey];
      if (
        typeof subnet === "string" &&
        !isUnknown(subnet) &&
        parseSubnet(subnet).subnet &&
        !isHostIn(v, subnet)
      ) {
        return `${property} ${show(v)} is not a host address of the pool subnet ${subnet}`;
      }
      return undefined;
    },
  };
}

/** A location attribute: a non-empty path without control characters or `;`. */
export function locationRule(property: string): Rule {
  return {
    property,
    test: (v) =>
      typeof v === "string" && v.trim() !== "" && !/[\0-\x1f;]/.test(v)
        ? undefined
        : `${property} ${show(v)} must be a directory path such as virt/disks or /srv/virt/disks`,
  };
}

/**
 * Throws INVALID_INPUT naming every failure, for the write paths: `create` and `update` run the
 * same rules as `check`, since a direct caller (any gRPC client of the plugin) may skip `check`.
 */
export function requireValid(kind: string, failures: readonly CheckFailure[]): void {
  if (failures.length === 0) return;
  throw new ImsError(
    "INVALID_INPUT",
    `${kind} inputs fail check, nothing was written: ${failures.map((f) => f.reason).join("; ")}`,
  );
}

/** A failure for each input that is still unknown: a write needs every value. */
export function unknownFailures(inputs: Record<string, unknown>): CheckFailure[] {
  return Object.entries(inputs)
    .filter(([, v]) => isUnknown(v))
    .map(([property]) => ({
      property,
      reason: `${property} is not known yet: create and update need every value`,
    }));
}

/**
 * Failures as the engine may print them. The engine shows a failure's input value beside it
 * (`property X value {...}`), a secret's too, so a failure of a property in `secret` is reported
 * for the resource (property ""), its reason still naming the property. The string values of
 * `scrub` (properties the caller marked secret) are replaced by `[secret]` wherever a reason
 * quotes them.
 */
export function hideSecrets(
  failures: readonly CheckFailure[],
  secret: readonly string[],
  values: Record<string, unknown> = {},
  scrub: readonly string[] = [],
): CheckFailure[] {
  const texts = scrub
    .flatMap((k) => (Array.isArray(values[k]) ? values[k] : [values[k]]) as unknown[])
    .filter((v): v is string => typeof v === "string" && v.length >= 3 && !isUnknown(v))
    .sort((a, b) => b.length - a.length);
  return failures.map((f) => {
    let reason = f.reason;
    for (const t of texts) reason = reason.split(t).join("[secret]");
    return { property: secret.includes(f.property) ? "" : f.property, reason };
  });
}
