// One SSH session per DAS host per process, shared by every caller: dialing (direct or through
// a bastion) with host-key verification, the errors a user can act on, and commands and SFTP
// over the session.
import { AsyncLocalStorage } from "async_hooks";
import { createHash } from "crypto";
import { openSync, writeSync } from "fs";
import { connect as tcpConnect, type Socket } from "net";
import * as path from "path";
import type { Duplex } from "stream";
import { Client, utils, type ClientChannel, type ConnectConfig, type SFTPWrapper } from "ssh2";
import { ImsError, type ImsErrorCode } from "../errors";
import {
  connectionFailures,
  connectionLabel,
  normalizeConnection,
  secretValues,
  type DasConnection,
  type NormalizedConnection,
} from "./connection";
import {
  fingerprint,
  hostKeyAlgorithms,
  keyLine,
  knownHostName,
  trustedKeys,
  verifyHostKey,
  blobType,
  type Verdict,
} from "./host-key";
import { shellCommand } from "./quote";
import { remoteFs, type RemoteFs } from "./sftp";
import {
  fitsShell,
  RemoteShell,
  SHELL_LOOP,
  type ShellLoss,
  type ShellResult,
  type ShellStream,
} from "./shell";

export type { RemoteFs, RemoteFsError, RemoteHandle, RemoteStats, OpenFlags } from "./sftp";

/** What a remote command did. */
export interface ExecResult {
  /** Exit status; null when it was ended by a signal. */
  code: number | null;
  /** The signal's name (`KILL`, `TERM`...) when a signal ended it. */
  signal?: string;
  stdout: Buffer;
  stderr: Buffer;
}

/** Options of one remote command. */
export interface ExecOptions {
  /** Written to the command's standard input, which is then closed. */
  stdin?: Buffer | string;
  /**
   * After this long the command is sent SIGKILL, its channel is closed and the call fails with
   * `SSH_ERROR`. OpenSSH 9.2 was seen to leave the process running (no pty, so no SIGHUP): bound
   * long commands on the remote side too.
   * @default 600000
   */
  timeoutMs?: number;
}

/** A DAS host reached over SSH: commands and files, over one shared session. */
export interface RemoteHost {
  /** `user@host:port` (holds no secret). */
  readonly label: string;
  /**
   * Runs `argv` on the host. The arguments reach the program exactly as given: each is quoted
   * for the remote login shell, which must be a POSIX shell.
   */
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Runs `sh -c <sh> -- args...`: in the script, `$1`... are `args`. */
  script(sh: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** The host's files, over the session's one SFTP channel. */
  sftp(): Promise<RemoteFs>;
}

type Conn = NormalizedConnection;
type Rejection = Exclude<Verdict, { ok: true }>;

/** An open session is closed after this long without any request. */
const IDLE_MS = 60_000;
/** One SFTP request's time bound. */
const SFTP_TIMEOUT_MS = 120_000;
const EXEC_TIMEOUT_MS = 600_000;
/**
 * Shells one session keeps for short scripts (each an SSH channel). Scripts of concurrent
 * callers (the checks of one resource beside the write of another) would otherwise wait for each
 * other in one shell: a further shell is opened when scripts wait and every open one is busy,
 * and kept while the session lives.
 */
const MAX_SHELLS = 3;
/**
 * Commands running at once on one session. OpenSSH allows 10 channels per connection by default
 * (`MaxSessions`); the SFTP channel takes one, the shells {@link MAX_SHELLS}. Further commands
 * wait.
 */
const MAX_EXEC_CHANNELS = 10 - 2 - MAX_SHELLS;

/**
 * Marks the requests made within it as urgent (see {@link urgently}); a global symbol, as the
 * engine may load this module more than once.
 */
const URGENT: AsyncLocalStorage<true> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for("glassfish-ims.ssh-urgent.v1")
] ??= new AsyncLocalStorage<true>()) as AsyncLocalStorage<true>;

/**
 * Runs `fn` with its SSH requests ahead of the others: its scripts go before the scripts that
 * wait for a shell, its SFTP requests over a second SFTP channel. The engine runs the checks of
 * a deployment one after the other while it creates the resources checked before them, so a
 * check's few requests would otherwise wait behind every create's (the journal, the writes):
 * over SSH most of a check's time was that wait.
 */
export function urgently<T>(fn: () => Promise<T>): Promise<T> {
  return URGENT.run(true, fn);
}

/** A shell of a session: `shell` is set once it is open. */
interface ShellSlot {
  opening: Promise<RemoteShell>;
  shell?: RemoteShell;
}

/** A script waiting for an idle shell. */
interface ScriptJob {
  sh: string;
  args: readonly string[];
  timeoutMs: number;
  /** Asked within {@link urgently}: it goes before the waiting scripts that were not. */
  urgent: boolean;
  resolve: (r: ShellResult) => void;
  reject: (e: unknown) => void;
}

interface Session {
  readonly key: string;
  readonly conn: Conn;
  readonly label: string;
  readonly client: Client;
  /** The TCP socket of a direct dial: referenced only while requests run. */
  readonly socket?: Socket;
  /** The bastion session this one is tunnelled through. */
  readonly bastion?: Session;
  readonly serial: number;
  dead: boolean;
  busy: number;
  idle?: NodeJS.Timeout;
  sftp?: Promise<SFTPWrapper>;
  /** The second SFTP channel, for urgent requests (see {@link urgently}). */
  urgentSftp?: Promise<SFTPWrapper>;
  /** The server refused a second SFTP channel: urgent requests share the first. */
  oneSftp?: boolean;
  /** The long-lived shells that run short scripts (see shell.ts), open or opening. */
  shells: ShellSlot[];
  /** Its SFTP channel and first shell were asked for as it opened (see {@link warm}). */
  warmed?: boolean;
  /** No further shell is opened once the server refused one (its `MaxSessions` is lower). */
  shellCap: number;
  /** Scripts waiting for an idle shell. */
  scripts: ScriptJob[];
  /** Commands running now, and those waiting for a channel. */
  channels: number;
  waiting: Array<() => void>;
  /** Settles when the session ends. */
  ended: Promise<void>;
  markEnded: () => void;
}

interface Registry {
  sessions: Map<string, Promise<Session>>;
  /** Sessions opened by this process so far (for benchmarks and tests). */
  opened: number;
  /** Requests sent over them so far: SFTP requests, shell scripts and commands. */
  requests: number;
  exitHook: boolean;
  /** The file the counters are written to (see {@link countersChanged}), once opened. */
  statsFd?: number;
}

// Shared through a global symbol rather than module state: the engine may load this module more
// than once (one copy per serialized provider), and all copies must share one session per host.
const REGISTRY = Symbol.for("glassfish-ims.ssh-sessions.v1");

function registry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  let r = g[REGISTRY];
  if (!r) {
    r = { sessions: new Map(), opened: 0, requests: 0, exitHook: false };
    g[REGISTRY] = r;
  }
  if (!r.exitHook) {
    r.exitHook = true;
    process.once("exit", () => closeAllSessions());
  }
  return r;
}

/**
 * With `GLASSFISH_IMS_SSH_STATS` set to a directory, writes this process's counters to
 * `<dir>/ssh-<pid>.txt` (`<sessions> <requests>`, overwritten in place) each time one changes,
 * so that a benchmark can read them from a plugin process, which the engine ends with a signal.
 * Unset (always, outside benchmarks), it does nothing. A file that cannot be written is ignored.
 */
function countersChanged(r: Registry): void {
  const dir = process.env.GLASSFISH_IMS_SSH_STATS;
  if (!dir) return;
  try {
    r.statsFd ??= openSync(path.join(dir, `ssh-${process.pid}.txt`), "w");
    // Fixed width: each write covers the previous one whole.
    writeSync(r.statsFd, `${r.opened} ${r.requests}`.padEnd(40) + "\n", 0);
  } catch {
    // Only a benchmark's counters are lost.
  }
}

/** Counts one request sent over a session. */
function countRequest(): void {
  const r = registry();
  r.requests++;
  countersChanged(r);
}

/** How many SSH sessions this process has opened (every copy of this module counted). */
export function sessionsOpened(): number {
  return registry().opened;
}

/** How many requests (SFTP, shell scripts, commands) this process sent over its sessions. */
export function requestsSent(): number {
  return registry().requests;
}

/** Ends every open session of this process. */
export function closeAllSessions(): void {
  const r = registry();
  for (const p of r.sessions.values()) p.then(end, () => undefined);
  r.sessions.clear();
}

function end(s: Session): void {
  s.dead = true;
  s.markEnded();
  if (s.idle) clearTimeout(s.idle);
  s.client.end();
  s.socket?.destroy();
  const r = registry();
  const cur = r.sessions.get(s.key);
  if (cur)
    cur.then(
      (x) => x === s && r.sessions.get(s.key) === cur && r.sessions.delete(s.key),
      () => undefined,
    );
}

function hold(s: Session): () => void {
  s.busy++;
  if (s.idle) clearTimeout(s.idle);
  s.idle = undefined;
  s.socket?.ref();
  const releaseBastion = s.bastion ? hold(s.bastion) : undefined;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    releaseBastion?.();
    if (--s.busy > 0 || s.dead) return;
    // Idle: the session must not keep the process alive, and is closed after a while.
    s.socket?.unref();
    s.idle = setTimeout(() => end(s), IDLE_MS);
    s.idle.unref();
  };
}

/** Replaces every secret, and every long line of one (a key's base64 lines), with `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  const pieces = secrets
    .flatMap((s) => [s, ...s.split(/\r?\n/).filter((l) => l.trim().length >= 8)])
    .filter((p) => p.length > 0)
    .sort((a, b) => b.length - a.length);
  for (const p of pieces) out = out.split(p).join("***");
  return out;
}

/** A low-level error with its message redacted, safe to chain as `cause`. */
function safeCause(e: unknown, secrets: readonly string[]): Error {
  const src = e as { message?: unknown; code?: unknown; level?: unknown };
  const c = new Error(redact(String(src?.message ?? e), secrets)) as Error &
    Record<string, unknown>;
  if (src?.code !== undefined) c.code = src.code;
  if (src?.level !== undefined) c.level = src.level;
  c.stack = `${c.name}: ${c.message}`;
  return c;
}

/** Why one dial failed, and whether another dial may help. */
interface DialFailure {
  code: ImsErrorCode;
  message: string;
  retry: boolean;
  cause?: unknown;
}

function isDialFailure(e: unknown): e is DialFailure {
  return typeof e === "object" && e !== null && "retry" in e && "code" in e;
}

function hostKeyFailure(c: Conn, label: string, presented: Buffer, v: Rejection): DialFailure {
  const type = blobType(presented) ?? "ssh-?";
  const line = keyLine({ type, blob: presented });
  const fp = fingerprint(presented);
  const pin = `set connection.hostKey to "${line}" or add the line "${knownHostName(c.host, c.port)} ${line}" to connection.knownHosts`;
  const file = type.startsWith("ecdsa") ? "ecdsa" : type === "ssh-dss" ? "dsa" : type.slice(4);
  const check = `compare with \`ssh-keygen -lf /etc/ssh/ssh_host_${file}_key.pub\` run on the DAS host`;
  let message = "";
  if (v.reason === "unknown")
    message = `the host key of ${label} is not known: it presented ${type} ${fp}. If that is the DAS host's key (${check}), ${pin}; connection.insecureIgnoreHostKey: true skips the check (not recommended)`;
  else if (v.reason === "revoked")
    message = `${label} presented ${type} ${fp}, a key connection.knownHosts marks @revoked: refusing it`;
  else if (v.reason === "changed")
    message = `the host key of ${label} has CHANGED: it presented ${type} ${fp}, but the pinned key is ${v.expected.map((k) => `${k.type} ${fingerprint(k.blob)}`).join(", ")}. Someone may be intercepting the connection, or the host was reinstalled; only if the change is expected (${check}), ${pin}`;
  return { code: "SSH_HOST_KEY", message, retry: false };
}

function authMethods(c: Conn, agent: string | undefined): string[] {
  const m: string[] = [];
  if (c.privateKey) m.push("publickey (connection.privateKey)");
  if (agent)
    m.push(c.agentSocketPath ? "agent (connection.agentSocketPath)" : "agent (SSH_AUTH_SOCK)");
  if (c.password) m.push("password (connection.password)");
  return m;
}

/** The private key, checked before any dial: a wrong passphrase is not a network problem. */
function readKey(c: Conn, label: string): DialFailure | undefined {
  if (!c.privateKey) return undefined;
  const parsed = utils.parseKey(c.privateKey, c.privateKeyPassword);
  if (!(parsed instanceof Error)) return undefined;
  const secrets = secretValues(c);
  const encrypted = /encrypted|passphrase|decrypt/i.test(parsed.message);
  const message = c.privateKeyPassword
    ? encrypted
      ? `connection.privateKeyPassword does not decrypt connection.privateKey (for ${label}): check the passphrase`
      : `connection.privateKey (for ${label}) cannot be read: ${redact(parsed.message, secrets)}; give an OpenSSH, PEM or PuTTY private key`
    : encrypted
      ? `connection.privateKey (for ${label}) is encrypted: set connection.privateKeyPassword to its passphrase`
      : `connection.privateKey (for ${label}) cannot be read: ${redact(parsed.message, secrets)}; give an OpenSSH, PEM or PuTTY private key`;
  return { code: "SSH_AUTH", message, retry: false, cause: safeCause(parsed, secrets) };
}

function socketFailure(c: Conn, label: string, e: NodeJS.ErrnoException): DialFailure {
  const secrets = secretValues(c);
  const cause = safeCause(e, secrets);
  const reason = (e as { reason?: unknown }).reason;
  if (e.code === "ECONNREFUSED" || (reason === 2 && /refused/i.test(e.message)))
    return {
      code: "CONNECTION_REFUSED",
      message: `${label} refused the connection: is sshd running on the DAS host and listening on port ${c.port}? Check connection.host and connection.port`,
      retry: true,
      cause,
    };
  if (e.code === "ENOTFOUND" || e.code === "EAI_AGAIN")
    return {
      code: "SSH_ERROR",
      message: `the DAS host name ${JSON.stringify(c.host)} does not resolve (${e.code}): check connection.host`,
      retry: e.code === "EAI_AGAIN",
      cause,
    };
  if (e.code === "ENETUNREACH" || e.code === "EHOSTUNREACH")
    return {
      code: "SSH_ERROR",
      message: `${label} is unreachable from here (${e.code}: no route to it): check connection.host, or reach it through a bastion with connection.proxy`,
      retry: true,
      cause,
    };
  return {
    code: "SSH_ERROR",
    message: `the SSH connection to ${label} failed: ${redact(e.message, secrets)}`,
    retry: true,
    cause,
  };
}

/** One TCP (or tunnelled) connection and SSH handshake, bounded by `perDialTimeout`. */
function dialOnce(
  c: Conn,
  key: string,
  label: string,
  bastion: Session | undefined,
): Promise<Session> {
  const agent = c.agentSocketPath ?? process.env.SSH_AUTH_SOCK;
  const secrets = secretValues(c);
  const timeoutMs = c.perDialTimeout * 1000;
  return new Promise<Session>((resolve, reject) => {
    const client = new Client();
    let socket: Socket | undefined;
    let stream: Duplex | undefined;
    let settled = false;
    let verdict: { presented: Buffer; v: Rejection } | undefined;
    let phase: "connect" | "handshake" = "connect";
    const fail = (f: DialFailure) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.removeAllListeners("ready");
      client.end();
      socket?.destroy();
      stream?.destroy();
      reject(f);
    };
    const timer = setTimeout(
      () =>
        fail({
          code: "CONNECT_TIMEOUT",
          message:
            phase === "connect"
              ? `no answer from ${label} within ${c.perDialTimeout} s`
              : `${label} accepted the connection but the SSH handshake did not finish within ${c.perDialTimeout} s`,
          retry: true,
        }),
      timeoutMs,
    );
    client.on("error", (e: Error & { level?: string }) => {
      if (verdict) return fail(hostKeyFailure(c, label, verdict.presented, verdict.v));
      if (e.level === "client-authentication")
        return fail({
          code: "SSH_AUTH",
          message: `${label} refused every credential tried (${authMethods(c, agent).join(", ") || "none given: set connection.privateKey, connection.password or connection.agentSocketPath"}): check connection.user and the credentials; a key's public half must be in the user's authorized_keys on the DAS host`,
          retry: false,
          cause: safeCause(e, secrets),
        });
      if (e.level === "agent")
        return fail({
          code: "SSH_AUTH",
          message: `the ssh agent at ${agent} could not be used for ${label}: ${redact(e.message, secrets)}`,
          retry: false,
          cause: safeCause(e, secrets),
        });
      fail(socketFailure(c, label, e as NodeJS.ErrnoException));
    });
    client.on("close", () =>
      fail(
        verdict
          ? hostKeyFailure(c, label, verdict.presented, verdict.v)
          : {
              code: "SSH_ERROR",
              message: `${label} closed the connection during the SSH handshake: is it an SSH server, and does it allow connection.user?`,
              retry: true,
            },
      ),
    );
    client.on("keyboard-interactive", (_n, _i, _l, prompts, finish) =>
      finish(prompts.map(() => c.password ?? "")),
    );
    client.once("ready", () => {
      if (settled) return client.end();
      settled = true;
      clearTimeout(timer);
      const r = registry();
      const s: Session = {
        key,
        conn: c,
        label,
        client,
        socket,
        bastion,
        serial: ++r.opened,
        dead: false,
        busy: 0,
        channels: 0,
        waiting: [],
        shells: [],
        shellCap: MAX_SHELLS,
        scripts: [],
        ended: Promise.resolve(),
        markEnded: () => undefined,
      };
      s.ended = new Promise<void>((r) => (s.markEnded = r));
      client.removeAllListeners("close");
      client.removeAllListeners("error");
      // After the handshake an error or a close means the session is gone: the next request
      // dials again.
      client.on("error", () => end(s));
      client.on("close", () => end(s));
      countersChanged(r);
      resolve(s);
    });

    const pinned = trustedKeys(c, c.host, c.port).keys;
    const config: ConnectConfig = {
      username: c.user,
      readyTimeout: 0,
      keepaliveInterval: 0,
      authHandler: [
        ...(c.privateKey ? ["publickey"] : []),
        ...(agent ? ["agent"] : []),
        ...(c.password ? ["password", "keyboard-interactive"] : []),
      ] as never,
      tryKeyboard: c.password !== undefined,
      algorithms: { serverHostKey: hostKeyAlgorithms(pinned) as never },
      hostVerifier: (presented: Buffer) => {
        const v = verifyHostKey(presented, c, c.host, c.port);
        if (v.ok) return true;
        verdict = { presented: Buffer.from(presented), v };
        return false;
      },
    };
    if (c.privateKey) config.privateKey = c.privateKey;
    if (c.privateKeyPassword) config.passphrase = c.privateKeyPassword;
    if (c.password) config.password = c.password;
    if (agent) config.agent = agent;

    const start = (sock: Duplex) => {
      if (settled) return sock.destroy();
      phase = "handshake";
      try {
        client.connect({ ...config, sock: sock as never });
      } catch (e) {
        fail({
          code: "SSH_AUTH",
          message: `the SSH client refused the settings for ${label}: ${redact(String((e as Error).message), secrets)}`,
          retry: false,
          cause: safeCause(e, secrets),
        });
      }
    };
    if (bastion) {
      const release = hold(bastion);
      bastion.client.forwardOut("127.0.0.1", 0, c.host, c.port, (err, ch) => {
        release();
        if (err) return fail(socketFailure(c, label, err as NodeJS.ErrnoException));
        stream = ch;
        start(ch);
      });
    } else {
      // Every request waits for its answer: without TCP_NODELAY, Nagle's algorithm holds a
      // request's last segment until the peer's delayed ACK (40 ms on Linux), which was measured
      // as ~44 ms per round trip on loopback under Node 24, against ~0.5 ms with it.
      socket = tcpConnect({ host: c.host, port: c.port, noDelay: true });
      socket.once("error", (e: NodeJS.ErrnoException) => fail(socketFailure(c, label, e)));
      socket.once("connect", () => start(socket as Socket));
    }
  });
}

function keyOf(c: Conn): string {
  return createHash("sha256").update(JSON.stringify(c)).digest("hex");
}

/** Dials until a session is up or `dialErrorLimit` dials failed. */
async function open(c: Conn, key: string): Promise<Session> {
  const label = connectionLabel(c);
  const bad = readKey(c, label);
  if (bad) throw new ImsError(bad.code, bad.message, { cause: bad.cause });
  let last: DialFailure | undefined;
  for (let dial = 1; dial <= c.dialErrorLimit; dial++) {
    if (dial > 1) await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** (dial - 2), 5000)));
    try {
      const bastion = c.proxy ? await acquire(c.proxy) : undefined;
      return await dialOnce(c, key, label, bastion);
    } catch (e) {
      if (!isDialFailure(e)) throw e;
      last = e;
      if (!e.retry) break;
    }
  }
  const f = last as DialFailure;
  const dials =
    f.retry && c.dialErrorLimit > 1
      ? ` (after ${c.dialErrorLimit} dials of at most ${c.perDialTimeout} s: connection.dialErrorLimit, connection.perDialTimeout)`
      : f.code === "CONNECT_TIMEOUT"
        ? ` (connection.perDialTimeout ${c.perDialTimeout}, connection.dialErrorLimit ${c.dialErrorLimit})`
        : "";
  throw new ImsError(f.code, `${f.message}${dials}`, f.cause ? { cause: f.cause } : undefined);
}

/** The live session of a connection: the shared one, or a new one when there is none or it died. */
async function acquire(c: Conn): Promise<Session> {
  const r = registry();
  const key = keyOf(c);
  const cur = r.sessions.get(key);
  if (cur) {
    const s = await cur.catch(() => undefined);
    if (s && !s.dead) return s;
    if (r.sessions.get(key) !== cur) return acquire(c);
  }
  const p = open(c, key);
  r.sessions.set(key, p);
  p.catch(() => r.sessions.get(key) === p && r.sessions.delete(key));
  return p;
}

/**
 * Sends SIGKILL to a command (the "signal" channel request). ssh2's `signal()` sends nothing once
 * standard input was closed (the channel is no longer "writable"), although the request is
 * still valid then, so the request goes out through the channel's protocol directly.
 */
function killChannel(ch: ClientChannel): void {
  const c = ch as unknown as {
    outgoing?: { id: number; state: string };
    _client?: { _protocol?: { signal(id: number, name: string): void } };
  };
  if (c.outgoing?.state === "open" && c._client?._protocol) {
    c._client._protocol.signal(c.outgoing.id, "KILL");
  } else ch.signal("KILL");
}

/**
 * Marks an error as one of a request that never reached the host (its channel could not be
 * opened, or it was never written to a shell): {@link remoteHost}'s `withSession` runs such a
 * request once more on a new session.
 */
function notStarted<E extends Error>(e: E): E {
  return Object.assign(e, { notStarted: true });
}

/**
 * `client.exec`, whose failure to open the channel always reaches `cb` marked
 * {@link notStarted}: ssh2 throws "Not connected" at once when the socket already ended, and
 * calls back with an error when the server refuses the channel or the session closes before it
 * opened. `cb` is called once, with the channel as ssh2 hands it (before any of its events).
 */
function openChannel(
  s: Session,
  command: string,
  cb: (err: Error | undefined, ch: ClientChannel) => void,
): void {
  let called = false;
  const once = (err: Error | undefined, ch: ClientChannel) => {
    if (called) return;
    called = true;
    cb(err && notStarted(err), ch);
  };
  try {
    s.client.exec(command, once);
  } catch (e) {
    once(e instanceof Error ? e : new Error(String(e)), undefined as never);
  }
}

async function execOnce(s: Session, command: string, opts: ExecOptions): Promise<ExecResult> {
  if (s.channels >= MAX_EXEC_CHANNELS) await new Promise<void>((r) => s.waiting.push(r));
  s.channels++;
  try {
    return await execChannel(s, command, opts);
  } finally {
    s.channels--;
    s.waiting.shift()?.();
  }
}

function execChannel(s: Session, command: string, opts: ExecOptions): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? EXEC_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    openChannel(s, command, (err, ch) => {
      if (err) return reject(err);
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      let code: number | null = null;
      let signal: string | undefined;
      const timer = setTimeout(() => {
        killChannel(ch);
        ch.close();
        // `timedOut` tells a caller that bounds the command (Host.run) it hit the bound.
        reject(
          Object.assign(
            new ImsError(
              "SSH_ERROR",
              `a command on ${s.label} did not finish within ${timeoutMs} ms: it was sent SIGKILL and its channel closed, but an SSH server may leave it running`,
            ),
            { timedOut: true },
          ),
        );
      }, timeoutMs);
      ch.on("data", (d: Buffer) => out.push(d));
      ch.stderr.on("data", (d: Buffer) => errOut.push(d));
      ch.on("exit", (c: number | null, sig?: string) => {
        code = typeof c === "number" ? c : null;
        if (sig) signal = sig;
      });
      ch.on("close", () => {
        clearTimeout(timer);
        // No exit status and no signal: the session ended under the command.
        if (code === null && signal === undefined)
          return reject(
            new ImsError(
              "SSH_ERROR",
              `the SSH session to ${s.label} ended while a command ran: its outcome is unknown`,
            ),
          );
        resolve({
          code,
          ...(signal ? { signal } : {}),
          stdout: Buffer.concat(out),
          stderr: Buffer.concat(errOut),
        });
      });
      ch.end(opts.stdin);
    });
  });
}

/** Runs a script in one of the session's shells (see {@link pumpScripts}). */
function runScript(
  s: Session,
  sh: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const urgent = URGENT.getStore() === true;
    const job = { sh, args, timeoutMs, resolve, reject, urgent };
    // Urgent scripts in the order they came, all before the others.
    const at = urgent ? s.scripts.findIndex((j) => !j.urgent) : -1;
    if (at < 0) s.scripts.push(job);
    else s.scripts.splice(at, 0, job);
    pumpScripts(s);
  });
}

/**
 * Hands the waiting scripts to idle open shells, first come first served; while scripts still
 * wait and every shell is busy, one more shell is opened (up to the cap), so a long script does
 * not hold up short ones. When no shell can be opened at all, or the session died, the waiting
 * scripts fail marked {@link notStarted}: none of them was written to a shell, so the caller may
 * run them on a new session.
 */
function pumpScripts(s: Session): void {
  if (s.dead) {
    for (const job of s.scripts.splice(0))
      job.reject(
        notStarted(
          new ImsError("SSH_ERROR", `the SSH session to ${s.label} ended before a script was sent`),
        ),
      );
    return;
  }
  s.shells = s.shells.filter((slot) => !slot.shell?.dead);
  for (const slot of s.shells) {
    const shell = slot.shell;
    if (!shell || shell.load > 0) continue;
    const job = s.scripts.shift();
    if (!job) return;
    shell
      .run(job.sh, job.args, job.timeoutMs)
      .then(job.resolve, job.reject)
      .finally(() => pumpScripts(s));
  }
  if (s.scripts.length === 0) return;
  if (s.shells.some((slot) => !slot.shell) || s.shells.length >= s.shellCap) return;
  const slot = openShell(s);
  slot.opening.then(
    () => pumpScripts(s),
    (e: unknown) => {
      if (s.shells.length > 0) return pumpScripts(s);
      for (const job of s.scripts.splice(0)) job.reject(e);
    },
  );
}

/** Opens one more shell for the session (see {@link pumpScripts}). */
function openShell(s: Session): ShellSlot {
  const lost = (why: ShellLoss, ms: number) =>
    why === "unsent"
      ? notStarted(
          new ImsError(
            "SSH_ERROR",
            `the shell of the SSH session to ${s.label} closed before a script was sent`,
          ),
        )
      : Object.assign(
          new ImsError(
            "SSH_ERROR",
            why === "timeout"
              ? `a command on ${s.label} did not finish within ${ms} ms; its shell was closed`
              : `the SSH session to ${s.label} ended while a command ran: its outcome is unknown`,
          ),
          { timedOut: why === "timeout" },
        );
  const slot: ShellSlot = {
    opening: new Promise<RemoteShell>((resolve, reject) =>
      openChannel(s, shellCommand(["sh", "-c", SHELL_LOOP]), (err, ch) =>
        err ? reject(err) : resolve(new RemoteShell(ch as unknown as ShellStream, lost)),
      ),
    ),
  };
  s.shells.push(slot);
  slot.opening.then(
    (sh) => (slot.shell = sh),
    () => {
      s.shells = s.shells.filter((x) => x !== slot);
      // A further shell refused while others are open: the server allows no more channels.
      if (s.shells.length > 0) s.shellCap = s.shells.length;
    },
  );
  return slot;
}

/**
 * Opens the SFTP channel and a shell of a DAS host's new session at once: every store call needs
 * one or the other, and sshd starts a process for each, so the first requests do not wait for
 * one and then the other. (A bastion's session is never warmed: it only forwards.)
 */
function warm(s: Session): void {
  if (s.warmed) return;
  s.warmed = true;
  openSftp(s).catch(() => undefined);
  openShell(s).opening.then(
    () => pumpScripts(s),
    () => pumpScripts(s),
  );
}

/** The session's SFTP channel, or its second one for urgent requests (see {@link urgently}). */
function openSftp(s: Session, lane: "sftp" | "urgentSftp" = "sftp"): Promise<SFTPWrapper> {
  let open = s[lane];
  if (!open) {
    const p = new Promise<SFTPWrapper>((resolve, reject) =>
      s.client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp))),
    );
    const forget = () => {
      if (s[lane] === p) s[lane] = undefined;
    };
    p.then((sftp) => sftp.on("close", forget), forget);
    s[lane] = open = p;
  }
  return open;
}

/**
 * The SFTP channel for a request: within {@link urgently} the second one, unless the server
 * refused a second channel (its `MaxSessions` is lower): then the one all requests share.
 */
async function sftpFor(s: Session): Promise<SFTPWrapper> {
  if (URGENT.getStore() !== true || s.oneSftp) return openSftp(s);
  try {
    return await openSftp(s, "urgentSftp");
  } catch {
    s.oneSftp = true;
    return openSftp(s);
  }
}

/**
 * The DAS host of a connection. All callers in this process share one SSH session per
 * connection (and one per bastion); it is dialed on first use, dialed again once when a request
 * finds it dead, no longer keeps the process alive when idle, is closed after a minute without
 * requests and when the process exits. Fails like the dial: `SSH_HOST_KEY`, `SSH_AUTH`,
 * `CONNECTION_REFUSED`, `CONNECT_TIMEOUT`, `SSH_ERROR`, or `INVALID_INPUT` for a connection
 * {@link connectionFailures} rejects. No message holds a credential.
 */
export async function remoteHost(connection: DasConnection): Promise<RemoteHost> {
  const failures = connectionFailures(connection);
  if (failures.length)
    throw new ImsError("INVALID_INPUT", failures.map((f) => f.reason).join("; "));
  const c = normalizeConnection(connection);
  const label = connectionLabel(c);
  warm(await acquire(c));

  // A request that finds the session dead, or whose channel could not be opened because it just
  // died, runs once more on a new session; one already started is never repeated.
  // `request`: the call sends one request (a command or a script); SFTP requests are counted
  // one by one as they go out (the channel's `hold`), the channel's set-up is none.
  async function withSession<T>(fn: (s: Session) => Promise<T>, request = true): Promise<T> {
    if (request) countRequest();
    for (let attempt = 1; ; attempt++) {
      const s = await acquire(c);
      const release = hold(s);
      try {
        return await fn(s);
      } catch (e) {
        const unsent = (e as { notStarted?: boolean }).notStarted === true;
        if (unsent) end(s);
        if (!unsent || attempt > 1)
          throw unsent
            ? new ImsError(
                "SSH_ERROR",
                `the SSH session to ${label} failed: ${redact((e as Error).message, secretValues(c))}`,
                { cause: safeCause(e, secretValues(c)) },
              )
            : e;
      } finally {
        release();
      }
    }
  }

  const run = (command: string, opts: ExecOptions = {}) =>
    withSession((s) => execOnce(s, command, opts));
  const argvCheck = (argv: readonly string[]) => {
    if (argv.length === 0 || argv.some((a) => typeof a !== "string" || a.includes("\0")))
      throw new ImsError(
        "INVALID_INPUT",
        "a remote command needs a non-empty argv of strings without NUL characters",
      );
  };
  let fs: RemoteFs | undefined;
  return {
    label,
    exec(argv, opts) {
      argvCheck(argv);
      return run(shellCommand(argv), opts);
    },
    script(sh, args, opts) {
      const argv = ["sh", "-c", sh, "--", ...args];
      argvCheck(argv);
      // One-line scripts without input run in the session's shell: one round trip, no channel.
      if (opts?.stdin === undefined && fitsShell(sh, args)) {
        const timeoutMs = opts?.timeoutMs ?? EXEC_TIMEOUT_MS;
        return withSession((s) => runScript(s, sh, args, timeoutMs));
      }
      return run(shellCommand(argv), opts);
    },
    async sftp() {
      await withSession(async (s) => {
        try {
          await openSftp(s);
        } catch (e) {
          throw new ImsError(
            "SSH_ERROR",
            `${label} has no SFTP subsystem (${redact((e as Error).message, secretValues(c))}): enable "Subsystem sftp internal-sftp" in the DAS host's sshd_config`,
          );
        }
      }, false);
      fs ??= remoteFs({
        get: () =>
          withSession(
            async (s) => ({
              sftp: await sftpFor(s),
              hold: () => (countRequest(), hold(s)),
              kill: () => end(s),
              ended: s.ended,
            }),
            false,
          ),
        timeoutMs: SFTP_TIMEOUT_MS,
      });
      return fs;
    },
  };
}
