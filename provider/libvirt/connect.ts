import { spawn } from "child_process";
import { ImsError, type ImsErrorCode } from "../errors";

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

/**
 * The real runner: virsh (libvirt's own client) in its own process group, so that a time-out
 * also ends the ssh it may have started; nothing is left behind.
 */
export const VIRSH: VirshRunner = (args, timeoutMs) =>
  new Promise((resolve) => {
    const child = spawn("virsh", [...args], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LIBVIRT_DEFAULT_URI: "", LC_ALL: "C" },
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-(child.pid as number), "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: `${stderr}${e.message}`, timedOut });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr, timedOut });
    });
  });

/** The URI with any password taken out (`user:secret@` becomes `user@`). */
export function redact(uri: string): string {
  return uri.replace(/^([a-z0-9+.-]+:\/\/[^/@:]*):[^/@]*@/i, "$1@");
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
  const why = cause(run.stderr) || `virsh exited with ${run.code}`;
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
      `${redact(uri)} answered, but not with a host name and versions: ${run.stdout.trim()}`,
    );
  }
  throw classify(uri, run, timeoutMs);
}
