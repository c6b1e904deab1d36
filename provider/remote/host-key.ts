// Host-key verification as OpenSSH does it: keys pinned in authorized_keys form, or known_hosts
// content (plain and hashed host names, `[host]:port`, wildcards, negation, `@revoked`). Pure:
// the caller passes what the server presented.
import { createHash, createHmac } from "crypto";

/** A public key: its type name and its wire-format blob. */
export interface PublicKey {
  type: string;
  blob: Buffer;
}

/** One usable line of a known_hosts file. */
export interface KnownHost extends PublicKey {
  /** `@revoked` or `@cert-authority`, when the line has a marker. */
  marker?: string;
  /** The host patterns as written (comma-separated, or one `|1|salt|hash`). */
  hosts: string;
  /** 1-based line number, for messages. */
  line: number;
}

const KEY_TYPES = new Set([
  "ssh-ed25519",
  "ssh-rsa",
  "ssh-dss",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
]);

/** The type name written at the start of a key blob. */
export function blobType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const n = blob.readUInt32BE(0);
  if (n === 0 || n > 64 || blob.length < 4 + n) return undefined;
  return blob.subarray(4, 4 + n).toString("latin1");
}

/** `SHA256:…`, as `ssh-keygen -l` prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** The key in authorized_keys form: `type base64`. */
export function keyLine(k: PublicKey): string {
  return `${k.type} ${k.blob.toString("base64")}`;
}

function decodeKey(type: string, b64: string | undefined): PublicKey | string {
  if (!KEY_TYPES.has(type)) return `unknown key type ${JSON.stringify(type)}`;
  if (!b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return `the ${type} key is not base64`;
  const blob = Buffer.from(b64, "base64");
  if (blobType(blob) !== type) return `the ${type} key's data is not a ${type} key`;
  return { type, blob };
}

/**
 * Parses pinned keys: one per line, `type base64 [comment]`, authorized_keys options before the
 * type allowed; blank lines and `#` comments are skipped.
 */
export function parseHostKeys(text: string): { keys: PublicKey[]; errors: string[] } {
  const keys: PublicKey[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const words = line.split(/\s+/);
    const at = words.findIndex((w) => KEY_TYPES.has(w));
    const k =
      at < 0
        ? `no key type (like ssh-ed25519) in ${JSON.stringify(line.slice(0, 40))}`
        : decodeKey(words[at], words[at + 1]);
    if (typeof k === "string") errors.push(`line ${i + 1}: ${k}`);
    else keys.push(k);
  });
  return { keys, errors };
}

/** Parses known_hosts content; lines it cannot read are reported with their number. */
export function parseKnownHosts(text: string): { entries: KnownHost[]; errors: string[] } {
  const entries: KnownHost[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const words = line.split(/\s+/);
    const marker = words[0].startsWith("@") ? words.shift() : undefined;
    if (marker !== undefined && marker !== "@revoked" && marker !== "@cert-authority") {
      errors.push(`line ${i + 1}: unknown marker ${JSON.stringify(marker)}`);
      return;
    }
    const [hosts, type, b64] = words;
    if (!type) {
      errors.push(
        `line ${i + 1}: expected "host key-type key", got ${JSON.stringify(line.slice(0, 40))}`,
      );
      return;
    }
    const k = decodeKey(type, b64);
    if (typeof k === "string") errors.push(`line ${i + 1}: ${k}`);
    else entries.push({ ...k, hosts, line: i + 1, ...(marker ? { marker } : {}) });
  });
  return { entries, errors };
}

/** The name known_hosts files use for a host: `host`, or `[host]:port` off port 22. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function wildcard(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`, "i").test(name);
}

/** Whether a known_hosts host field names `host:port` (OpenSSH's matching rules). */
export function hostsMatch(hosts: string, host: string, port: number): boolean {
  const name = knownHostName(host.toLowerCase(), port);
  if (hosts.startsWith("|1|")) {
    const [, , salt, hash] = hosts.split("|");
    if (!salt || !hash) return false;
    const mac = createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64");
    return mac === hash;
  }
  let matched = false;
  for (const p of hosts.split(",")) {
    if (p.startsWith("!")) {
      if (wildcard(p.slice(1), name)) return false;
    } else if (wildcard(p, name)) matched = true;
  }
  return matched;
}

/** What is trusted for one host. */
export interface Trust {
  hostKey?: string;
  knownHosts?: string;
  insecureIgnoreHostKey?: boolean;
}

/** The verdict on a presented key. */
export type Verdict =
  | { ok: true }
  | { ok: false; reason: "unknown" | "revoked" }
  | { ok: false; reason: "changed"; expected: PublicKey[] };

/** The keys trusted for `host:port`, and the revoked ones. */
export function trustedKeys(
  trust: Trust,
  host: string,
  port: number,
): { keys: PublicKey[]; revoked: PublicKey[] } {
  const keys = trust.hostKey ? parseHostKeys(trust.hostKey).keys : [];
  const revoked: PublicKey[] = [];
  if (trust.knownHosts) {
    for (const e of parseKnownHosts(trust.knownHosts).entries) {
      if (e.marker === "@revoked") {
        if (hostsMatch(e.hosts, host, port)) revoked.push(e);
      } else if (e.marker === undefined && hostsMatch(e.hosts, host, port)) keys.push(e);
    }
  }
  return { keys, revoked };
}

/** Decides whether the key a server presented may be trusted. */
export function verifyHostKey(
  presented: Buffer,
  trust: Trust,
  host: string,
  port: number,
): Verdict {
  const { keys, revoked } = trustedKeys(trust, host, port);
  if (revoked.some((k) => k.blob.equals(presented))) return { ok: false, reason: "revoked" };
  if (trust.insecureIgnoreHostKey) return { ok: true };
  if (keys.some((k) => k.blob.equals(presented))) return { ok: true };
  if (keys.length === 0) return { ok: false, reason: "unknown" };
  return { ok: false, reason: "changed", expected: keys };
}

/**
 * Host-key algorithms to offer, pinned types first (as OpenSSH orders known key types first):
 * a server with several host keys then presents the one that is pinned.
 */
export function hostKeyAlgorithms(pinned: readonly PublicKey[]): string[] {
  const byType: Record<string, string[]> = {
    "ssh-ed25519": ["ssh-ed25519"],
    "ecdsa-sha2-nistp256": ["ecdsa-sha2-nistp256"],
    "ecdsa-sha2-nistp384": ["ecdsa-sha2-nistp384"],
    "ecdsa-sha2-nistp521": ["ecdsa-sha2-nistp521"],
    "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
    "ssh-dss": ["ssh-dss"],
  };
  const all = Object.values(byType).flat();
  const first = [...new Set(pinned.flatMap((k) => byType[k.type] ?? []))];
  return [...first, ...all.filter((a) => !first.includes(a))];
}
