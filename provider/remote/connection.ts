// How to reach a DAS host over SSH: the plain-data connection users write (the fields of
// pulumi-command's `remote.Connection`, plus host-key pinning), validated all at once and
// normalized once. Pure: no sockets, no files.
import type { CheckFailure } from "../resources/rules";
import { parseHostKeys, parseKnownHosts } from "./host-key";

/**
 * How to reach a DAS host over SSH. Host keys are verified by default: pin the host's key with
 * `hostKey` or `knownHosts`; a connection without either fails with `SSH_HOST_KEY`, and that
 * error prints the presented key and the exact setting that pins it.
 */
export interface DasConnection {
  /** Host name or address of the DAS host (IPv6 without brackets). */
  host: string;
  /** @default 22 */
  port?: number;
  /** @default "root" */
  user?: string;
  /** Private key in OpenSSH, PEM or PuTTY format (the file's content, not its path). Secret. */
  privateKey?: string;
  /** Passphrase of `privateKey`. Secret. */
  privateKeyPassword?: string;
  /** Password of `user` (also answers keyboard-interactive prompts). Secret. */
  password?: string;
  /**
   * Path of an ssh-agent socket. Without it, and without `privateKey` and `password`, the agent
   * of `SSH_AUTH_SOCK` is used when that is set.
   */
  agentSocketPath?: string;
  /** A bastion reached first; this host is dialed through it (a direct-tcpip channel). */
  proxy?: DasConnection;
  /**
   * How many dials (TCP connect and SSH handshake) are tried before the connection fails.
   * @default 10
   */
  dialErrorLimit?: number;
  /**
   * Seconds one dial may take, the SSH handshake included.
   * @default 15
   */
  perDialTimeout?: number;
  /** The host's public key(s), one per line in authorized_keys format (`ssh-ed25519 AAAA…`). */
  hostKey?: string;
  /** Content of a known_hosts file (hashed entries and `[host]:port` forms are understood). */
  knownHosts?: string;
  /** Accept any host key. An explicit opt-out of verification: anyone on the path can pose as the host. */
  insecureIgnoreHostKey?: boolean;
}

/** The default port. */
export const DEFAULT_PORT = 22;
/** The default user. */
export const DEFAULT_USER = "root";
/** The default number of dials. */
export const DEFAULT_DIAL_ERROR_LIMIT = 10;
/** The default seconds per dial. */
export const DEFAULT_PER_DIAL_TIMEOUT = 15;

/** Field names whose values are secret: never shown in a message, a log or a label. */
export const CONNECTION_SECRETS: readonly string[] = [
  "privateKey",
  "privateKeyPassword",
  "password",
];

const FIELDS: readonly (keyof DasConnection)[] = [
  "host",
  "port",
  "user",
  "privateKey",
  "privateKeyPassword",
  "password",
  "agentSocketPath",
  "proxy",
  "dialErrorLimit",
  "perDialTimeout",
  "hostKey",
  "knownHosts",
  "insecureIgnoreHostKey",
];

/** How many bastions may be chained (`proxy.proxy…`). */
const MAX_PROXY_DEPTH = 4;

// A DNS name (labels of letters, digits, `-`, `_`), an IPv4 address, or an IPv6 address.
const HOST =
  /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?)+$|^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.%A-Za-z]*$/;
// What a login name may hold: no whitespace, no control characters, no `@` or `:`.
const USER = /^[^\s@:\u0000-\u001f\u007f]{1,64}$/;
const PRIVATE_KEY = /^\s*(?:-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|PuTTY-User-Key-File-)/;

function kind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return `a ${typeof v}`;
}

/** Renders a non-secret value for a message. */
function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
}

function integerIn(v: unknown, min: number, max: number): boolean {
  return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
}

function check(c: unknown, property: string, depth: number, out: CheckFailure[]): void {
  const fail = (field: string, reason: string) =>
    out.push({ property: field ? `${property}.${field}` : property, reason });
  if (c === null || typeof c !== "object" || Array.isArray(c)) {
    fail(
      "",
      `${property} must be an object like { host: "das.example.com", user: "root" }, not ${kind(c)}`,
    );
    return;
  }
  const o = c as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(FIELDS as readonly string[]).includes(k))
      fail(k, `${property}.${k} is not a connection field; allowed: ${FIELDS.join(", ")}`);
  }
  const present = (k: keyof DasConnection) => o[k] !== undefined && o[k] !== null;
  const secretString = (k: keyof DasConnection) => {
    // Never show a secret's value, not even a wrong one: only its type.
    if (present(k) && typeof o[k] !== "string")
      fail(k, `${property}.${k} must be a string, not ${kind(o[k])}`);
    else if (present(k) && o[k] === "") fail(k, `${property}.${k} must not be empty`);
  };

  if (!present("host"))
    fail("host", `${property}.host is required (the DAS host's name or address)`);
  else if (typeof o.host !== "string" || !HOST.test(o.host.trim()))
    fail(
      "host",
      `${property}.host ${show(o.host)} must be a host name or an IP address like das.example.com or 10.1.2.3 (IPv6 without brackets)`,
    );
  if (present("port") && !integerIn(o.port, 1, 65535))
    fail("port", `${property}.port ${show(o.port)} must be an integer from 1 to 65535`);
  if (present("user") && (typeof o.user !== "string" || !USER.test(o.user.trim())))
    fail(
      "user",
      `${property}.user ${show(o.user)} must be a login name of 1 to 64 characters without spaces, "@" or ":"`,
    );
  secretString("privateKey");
  if (typeof o.privateKey === "string" && o.privateKey !== "" && !PRIVATE_KEY.test(o.privateKey))
    fail(
      "privateKey",
      `${property}.privateKey must be the content of a private key file (starting with "-----BEGIN ... PRIVATE KEY-----"), not a path or a public key`,
    );
  secretString("privateKeyPassword");
  if (present("privateKeyPassword") && !present("privateKey"))
    fail(
      "privateKeyPassword",
      `${property}.privateKeyPassword is set but ${property}.privateKey is not`,
    );
  secretString("password");
  if (
    present("agentSocketPath") &&
    (typeof o.agentSocketPath !== "string" || !o.agentSocketPath.startsWith("/"))
  )
    fail(
      "agentSocketPath",
      `${property}.agentSocketPath ${show(o.agentSocketPath)} must be an absolute path like /run/user/1000/ssh-agent.sock`,
    );
  if (present("dialErrorLimit") && !integerIn(o.dialErrorLimit, 1, 1000))
    fail(
      "dialErrorLimit",
      `${property}.dialErrorLimit ${show(o.dialErrorLimit)} must be an integer from 1 to 1000`,
    );
  if (
    present("perDialTimeout") &&
    !(
      typeof o.perDialTimeout === "number" &&
      Number.isFinite(o.perDialTimeout) &&
      o.perDialTimeout > 0 &&
      o.perDialTimeout <= 3600
    )
  )
    fail(
      "perDialTimeout",
      `${property}.perDialTimeout ${show(o.perDialTimeout)} must be a number of seconds above 0 and at most 3600`,
    );
  if (present("hostKey")) {
    if (typeof o.hostKey !== "string")
      fail("hostKey", `${property}.hostKey must be a string, not ${kind(o.hostKey)}`);
    else {
      const r = parseHostKeys(o.hostKey);
      if (r.errors.length) fail("hostKey", `${property}.hostKey: ${r.errors.join("; ")}`);
      else if (r.keys.length === 0)
        fail("hostKey", `${property}.hostKey holds no key: give a line like "ssh-ed25519 AAAA…"`);
    }
  }
  if (present("knownHosts")) {
    if (typeof o.knownHosts !== "string")
      fail("knownHosts", `${property}.knownHosts must be a string, not ${kind(o.knownHosts)}`);
    else {
      const r = parseKnownHosts(o.knownHosts);
      if (r.errors.length) fail("knownHosts", `${property}.knownHosts: ${r.errors.join("; ")}`);
    }
  }
  if (present("insecureIgnoreHostKey")) {
    if (typeof o.insecureIgnoreHostKey !== "boolean")
      fail(
        "insecureIgnoreHostKey",
        `${property}.insecureIgnoreHostKey must be true or false, not ${show(o.insecureIgnoreHostKey)}`,
      );
    else if (o.insecureIgnoreHostKey && (present("hostKey") || present("knownHosts")))
      fail(
        "insecureIgnoreHostKey",
        `${property}.insecureIgnoreHostKey cannot be combined with ${property}.hostKey or ${property}.knownHosts: pin the key, or opt out, not both`,
      );
  }
  if (present("proxy")) {
    if (depth >= MAX_PROXY_DEPTH)
      fail("proxy", `${property}.proxy: at most ${MAX_PROXY_DEPTH} bastions may be chained`);
    else check(o.proxy, `${property}.proxy`, depth + 1, out);
  }
}

/**
 * Every failure of a connection at once, each naming its property path (`connection.port`,
 * `connection.proxy.host`, ...). Messages show wrong values, except secrets' (their type only).
 */
export function connectionFailures(c: unknown, property = "connection"): CheckFailure[] {
  const out: CheckFailure[] = [];
  check(c, property, 0, out);
  return out;
}

/** A connection with every default filled in (see {@link normalizeConnection}). */
export type NormalizedConnection = Omit<DasConnection, "proxy"> & {
  port: number;
  user: string;
  dialErrorLimit: number;
  perDialTimeout: number;
  proxy?: NormalizedConnection;
};

/**
 * A valid connection with trimmed strings and every default filled in, so that two ways of
 * writing the same connection compare equal. Call after {@link connectionFailures} found none.
 */
export function normalizeConnection(c: DasConnection): NormalizedConnection {
  const out: NormalizedConnection = {
    host: c.host.trim().toLowerCase(),
    port: c.port ?? DEFAULT_PORT,
    user: (c.user ?? DEFAULT_USER).trim(),
    dialErrorLimit: c.dialErrorLimit ?? DEFAULT_DIAL_ERROR_LIMIT,
    perDialTimeout: c.perDialTimeout ?? DEFAULT_PER_DIAL_TIMEOUT,
  };
  if (c.privateKey !== undefined) out.privateKey = c.privateKey;
  if (c.privateKeyPassword !== undefined) out.privateKeyPassword = c.privateKeyPassword;
  if (c.password !== undefined) out.password = c.password;
  if (c.agentSocketPath !== undefined) out.agentSocketPath = c.agentSocketPath;
  if (c.hostKey !== undefined)
    out.hostKey = c.hostKey
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .join("\n");
  if (c.knownHosts !== undefined) out.knownHosts = c.knownHosts;
  if (c.insecureIgnoreHostKey) out.insecureIgnoreHostKey = true;
  if (c.proxy !== undefined) out.proxy = normalizeConnection(c.proxy);
  return out;
}

/** `user@host:port` (with ` via …` for a bastion): what messages call the host. Holds no secret. */
export function connectionLabel(c: DasConnection): string {
  const host = c.host.includes(":") ? `[${c.host}]` : c.host;
  const self = `${c.user ?? DEFAULT_USER}@${host}:${c.port ?? DEFAULT_PORT}`;
  return c.proxy ? `${self} via ${connectionLabel(c.proxy)}` : self;
}

/** The secret values of a connection and its bastions, for redacting messages. */
export function secretValues(c: DasConnection): string[] {
  const out: string[] = [];
  for (let x: DasConnection | undefined = c; x; x = x.proxy) {
    for (const k of CONNECTION_SECRETS) {
      const v = (x as unknown as Record<string, unknown>)[k];
      if (typeof v === "string" && v !== "") out.push(v);
    }
  }
  return out;
}
