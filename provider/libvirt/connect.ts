import { spawn } from "child_process";
import { ImsError, type ImsErrorCode } from "../errors";
import { redactUri, scrub } from "./credentials";

/** What a hypervisor reported over a libvirt connection. */
export interface HypervisorReport {
  /** The URI connected to, without any password. */
  uri: string;
  hostname: string;
  /** The libvirt library version used, e.g. `9.0.0`. */
  libvirtVersion: string;
  /** e.g. `QEMU`, `TEST`. */
  hypervisorType: string;
  hypervisorVersion: string;
}

/** What running virsh gave. */
export interface VirshRun {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs `virsh` with an argument array and a time bound; tests may pass a fake. */
export type VirshRunner = (args: readonly string[], timeoutMs: number) => Promise<VirshRun>;

/** After the program exits, this long is left for its last output to drain from the pipes. */
const DRAIN_MS = 200;

const CHILDREN = Symbol.for("glassfish-ims.child-groups.v1");

/**
 * Process groups of the commands running now, so that a provider that exits early (its engine
 * is gone) ends them too.
 */
export function runningGroups(): Set<number> {
  const g = globalThis as unknown as Record<symbol, Set<number> | undefined>;
  return (g[CHILDREN] ??= new Set());
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/**
 * Runs `command` in its own process group with a hard time bound: the result comes by the
 * deadline whatever the children do. At the deadline the group is killed and the pipes are
 * closed on this side, without waiting for them to close: a child that left the group (an ssh
 * `ControlPersist` master) may hold them for minutes. When the program exits first, its output
 * is read for at most {@link DRAIN_MS} more, and what is left of its group is killed.
 */
export function runBounded(
  command: string,
  args: readonly string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<VirshRun> {
  return new Promise((resolve) => {
    const child = spawn(command, [...args], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env,
    });
    const pid = child.pid;
    if (pid !== undefined) runningGroups().add(pid);
    let stdout = "";
    let stderr = "";
    let exitCode: number | undefined;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (extra = "") => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      if (pid !== undefined) {
        killGroup(pid);
        runningGroups().delete(pid);
      }
      child.stdout.destroy();
      child.stderr.destroy();
      child.unref();
      resolve({
        code: exitCode ?? 1,
        stdout,
        stderr: `${stderr}${extra}`,
        timedOut: exitCode === undefined && extra === "",
      });
    };
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    timers.push(setTimeout(() => finish(), timeoutMs));
    child.on("error", (e) => {
      exitCode = 127;
      finish(e.message);
    });
    child.on("exit", (code) => {
      exitCode = code ?? 1;
      timers.push(setTimeout(() => finish(), DRAIN_MS));
    });
    child.on("close", () => finish());
  });
}

/**
 * The real runner: virsh (libvirt's own client) under {@link runBounded}, so that a time-out also
 * ends the ssh it may have started and nothing is left behind or waited for.
 */
export const VIRSH: VirshRunner = (args, timeoutMs) =>
  runBounded("virsh", args, timeoutMs, { ...process.env, LIBVIRT_DEFAULT_URI: "", LC_ALL: "C" });

/** The URI with every credential taken out (`user:secret@` becomes `user@`, `password=***`). */
export function redact(uri: string): string {
  return redactUri(uri);
}

/** Reads `virsh -q "hostname; version"` output. */
export function parseReport(uri: string, stdout: string): HypervisorReport | undefined {
  const lines = stdout
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const lib = /Using library: libvirt (\S+)/.exec(stdout);
  const hyp = /Running hypervisor: (\S+) (\S+)/.exec(stdout);
  if (!lines[0] || !lib || !hyp) return undefined;
  return {
    uri: redact(uri),
    hostname: lines[0],
    libvirtVersion: lib[1],
    hypervisorType: hyp[1],
    hypervisorVersion: hyp[2],
  };
}

/** libvirt's message without virsh's `error: ` prefixes, on one line. */
function cause(stderr: string): string {
  return stderr
    .split("\n")
    .map((l) => l.replace(/^error: /, "").trim())
    .filter((l) => l !== "" && l !== "failed to connect to the hypervisor")
    .join("; ");
}

const CLASSES: ReadonlyArray<[RegExp, ImsErrorCode, string]> = [
  [
    /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key .* (not known|mismatch)/i,
    "SSH_HOST_KEY",
    "the host's ssh key is unknown or changed: check it, then add it to the DAS user's known_hosts (ssh-keyscan), or point the connection string at a known_hosts file (qemu+libssh: known_hosts=FILE); trusting any key (no_verify=1) is a deliberate choice of yours",
  ],
  [
    /Permission denied \((publickey|password|keyboard)|authentication failed|Authentication failure/i,
    "SSH_AUTH",
    "ssh refused the login: install the DAS user's public key in the machine user's ~/.ssh/authorized_keys, give the key with keyfile=, or check the user name",
  ],
  [
    /ssh: connect to host .* Connection refused|Connection refused.*port \d+/i,
    "CONNECTION_REFUSED",
    "nothing listens on the machine's ssh port: start sshd there, or fix the host or port",
  ],
  [
    /Failed to connect socket to '[^']*': No such file or directory|Failed to connect socket to '[^']*': Connection refused/i,
    "LIBVIRT_DAEMON_DOWN",
    "the libvirt daemon is not running there (its socket is missing): start libvirtd (or virtqemud)",
  ],
  [
    /Failed to connect socket to '[^']*': Permission denied|authentication unavailable|access denied by policy/i,
    "LIBVIRT_SOCKET_PERMISSION",
    "this user may not use the system socket: connect to /session instead, or add the user to the libvirt group",
  ],
];

/** Turns a failed connection into an error with a code, libvirt's cause and the likely fix. */
export function classify(uri: string, run: VirshRun, timeoutMs: number): ImsError {
  const shown = redact(uri);
  if (run.timedOut) {
    return new ImsError(
      "CONNECT_TIMEOUT",
      `connecting to ${shown} took longer than ${timeoutMs} ms: the machine, its sshd or its libvirt daemon does not answer; check that it is up and reachable, or raise connectTimeoutMs`,
    );
  }
  const why = scrub(cause(run.stderr), uri) || `virsh exited with ${run.code}`;
  for (const [pattern, code, fix] of CLASSES) {
    if (pattern.test(run.stderr))
      return new ImsError(code, `cannot connect to ${shown}: ${why}. Fix: ${fix}`);
  }
  if (run.code === 127) {
    return new ImsError(
      "LIBVIRT_ERROR",
      `cannot connect to ${shown}: virsh (libvirt-clients) is not installed on the DAS host: ${why}`,
    );
  }
  return new ImsError("LIBVIRT_ERROR", `cannot connect to ${shown}: ${why}`);
}

/**
 * Opens `uri` with a time bound, reads the host name and the libvirt and hypervisor versions, and
 * closes the connection (virsh exits). Failures name the URI (without secrets), libvirt's cause
 * and the likely fix.
 */
export async function verifyConnection(
  uri: string,
  timeoutMs = 10000,
  virsh: VirshRunner = VIRSH,
): Promise<HypervisorReport> {
  const run = await virsh(["-c", uri, "-q", "hostname; version"], timeoutMs);
  const report = run.code === 0 && !run.timedOut ? parseReport(uri, run.stdout) : undefined;
  if (report) return report;
  if (run.code === 0 && !run.timedOut) {
    throw new ImsError(
      "LIBVIRT_ERROR",
      `${redact(uri)} answered, but not with a host name and versions: ${scrub(run.stdout.trim(), uri)}`,
    );
  }
  throw classify(uri, run, timeoutMs);
}
