// Is the domain's DAS running (or starting)? Asked of the host that holds domain.xml: its pid
// file and its process table, through the store's effects.
import * as path from "path";
import { ImsError, isImsError } from "../errors";
import { domainDirsOf, parsePidFile } from "../domain/glassfish";
import { errnoOf, shownPath, type Host, type HostProcess } from "./effects";
import { localHost } from "./local";

/** A DAS found running, and how it was found. */
export interface RunningDas {
  /** The DAS's process id. */
  pid: number;
  /** `pid-file`: `config/pid` names a live process; `command-line`: a process's arguments name the domain. */
  foundBy: "pid-file" | "command-line";
  /** The pid file, or the argument that names the domain. */
  evidence: string;
}

/** Codes of a failure to reach the host, not an answer from it (see {@link orElse}). */
const UNREACHED = new Set(["ECONNRESET", "ETIMEDOUT", "ECONNREFUSED", "EPIPE", "ENOTCONN"]);

/**
 * `p`, or `fallback` when the host answered with a failure (a file that is gone, a process that
 * exited, no /proc). A failure to ask at all (the SSH session could not be opened or ended: an
 * ImsError, or a lost connection's code) is thrown: it tells nothing of the DAS, and taking it
 * for "not running" would let a write through.
 */
function orElse<T>(p: Promise<T>, fallback: T): Promise<T> {
  return p.catch((e: unknown) => {
    if (isImsError(e) || UNREACHED.has(errnoOf(e))) throw e;
    return fallback;
  });
}

/** The argument of `cmdline` that names the domain whose domain.xml is `real`, if any. */
async function namesDomain(
  host: Host,
  { pid, cmdline }: HostProcess,
  real: string,
): Promise<string | undefined> {
  for (const { dir, arg } of domainDirsOf(cmdline)) {
    const root = path.isAbsolute(dir)
      ? dir
      : path.resolve((await host.processes.cwd(pid)) ?? "/", dir);
    // GlassFish reads <instance root>/config/domain.xml: compare real files, so a symlinked
    // domain directory, config directory or domain.xml is matched however it is named.
    const theirs = await orElse(host.realpath(path.join(root, "config", "domain.xml")), "");
    if (theirs === real) return arg;
  }
  return undefined;
}

/** A live process (of `processes`) whose command line names the domain of `real`. */
async function scanProcesses(
  host: Host,
  processes: HostProcess[],
  real: string,
): Promise<RunningDas | undefined> {
  for (const p of processes) {
    if (p.pid === host.processes.self) continue;
    const arg = await namesDomain(host, p, real);
    if (arg) return { pid: p.pid, foundBy: "command-line", evidence: arg };
  }
  return undefined;
}

/** What {@link findRunningDas} says about a `config/pid` it does not count. */
export type StaleNote = (message: string) => void;

/** The default {@link StaleNote}: one line on stderr (the engine's log of the provider). */
const noteOnStderr: StaleNote = (message) => {
  process.stderr.write(`glassfish-ims: ${message}\n`);
};

/**
 * Finds the DAS of the domain whose domain.xml is `file` on `host`: the live process named by
 * `config/pid` when its command line names this domain, else a live process whose command line
 * names the domain's directory. The second catches a DAS that is starting: GlassFish reads
 * domain.xml seconds before it writes `config/pid`. A pid file naming a dead process (left by
 * `kill -9`), or a live process that is not a JVM of this domain (the pid was reused, or someone
 * wrote the file), is stale: `note` says so and detection goes on. Where there is no `/proc`, or
 * the process is hidden from this user, a live pid from the pid file counts, as it cannot be told
 * apart.
 */
export async function findRunningDas(
  file: string,
  host: Host = localHost,
  note: StaleNote = noteOnStderr,
): Promise<RunningDas | undefined> {
  const pidFile = path.join(path.dirname(file), "pid");
  // Asked at once (on a remote host, one round trip's wait instead of three): their order does
  // not matter, since a DAS's process exists before it writes its pid file, and the list finds
  // one that names the domain whatever the pid file says.
  const [text, processes, real] = await Promise.all([
    orElse(
      host.readFile(pidFile).then((b) => b.toString("utf8")),
      "",
    ),
    // No /proc (macOS, BSD): the pid file is all there is to go on.
    orElse(host.processes.list(), undefined),
    orElse(host.realpath(file), path.resolve(file)),
  ]);
  const pid = parsePidFile(text);
  // A process the list shows is alive (a host may list only those that can name a domain).
  const listed = pid === undefined ? undefined : processes?.find((p) => p.pid === pid);
  const alive = pid !== undefined && (listed !== undefined || (await host.processes.isAlive(pid)));
  if (alive) {
    const found = { pid, foundBy: "pid-file", evidence: pidFile } as const;
    // A host may list only the processes that can name a domain: ask for this one's own.
    const cmdline = listed?.cmdline ?? (processes ? await host.processes.cmdline(pid) : undefined);
    const seen = cmdline === undefined ? undefined : { pid, cmdline };
    if (!seen || (await namesDomain(host, seen, real)) !== undefined) return found;
    // Its program only: the arguments of another user's process are none of this log's business.
    const program = seen.cmdline.split("\0").find(Boolean)?.slice(0, 200);
    note(
      `${host.label ? shownPath(host, pidFile) : pidFile} names process ${pid}, which is not a JVM of this domain (its program: ${program ?? "(none)"}): the pid file is stale, going on`,
    );
  }
  return processes ? scanProcesses(host, processes, real) : undefined;
}

/** The `DOMAIN_RUNNING` error for a DAS found running (`host` names a remote DAS host). */
export function domainRunningError(file: string, das: RunningDas, host?: Host): ImsError {
  const how =
    das.foundBy === "pid-file"
      ? `is running (process ${das.pid}, from ${host ? shownPath(host, das.evidence) : das.evidence})`
      : `is running or starting (process ${das.pid}, whose command line names the domain: ${das.evidence})`;
  return new ImsError(
    "DOMAIN_RUNNING",
    `the GlassFish domain of ${host ? shownPath(host, file) : file} ${how}; it would overwrite domain.xml from its own copy. Stop it first (asadmin stop-domain), then run again`,
  );
}
