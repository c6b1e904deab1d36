// Is the domain's DAS running (or starting)? Asked of the host that holds domain.xml: its pid
// file and its process table, through the store's effects.
import * as path from "path";
import { ImsError } from "../errors";
import { domainDirsOf, parsePidFile } from "../domain/glassfish";
import { shownPath, type Host } from "./effects";
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

/** `p`, or `fallback` when it rejects (a file that is gone, a process that exited). */
function orElse<T>(p: Promise<T>, fallback: T): Promise<T> {
  return p.catch(() => fallback);
}

/** A live process whose command line names the domain whose domain.xml is `real`. */
async function scanProcesses(host: Host, real: string): Promise<RunningDas | undefined> {
  // No /proc (macOS, BSD): the pid file is all there is to go on.
  const processes = await orElse(host.processes.list(), undefined);
  if (!processes) return undefined;
  for (const { pid, cmdline } of processes) {
    if (pid === host.processes.self) continue;
    for (const { dir, arg } of domainDirsOf(cmdline)) {
      const root = path.isAbsolute(dir)
        ? dir
        : path.resolve((await host.processes.cwd(pid)) ?? "/", dir);
      // GlassFish reads <instance root>/config/domain.xml: compare real files, so a symlinked
      // domain directory, config directory or domain.xml is matched however it is named.
      const theirs = await orElse(host.realpath(path.join(root, "config", "domain.xml")), "");
      if (theirs === real) return { pid, foundBy: "command-line", evidence: arg };
    }
  }
  return undefined;
}

/**
 * Finds the DAS of the domain whose domain.xml is `file` on `host`: a live process named by
 * `config/pid` (a pid file left by `kill -9` names a dead process and is ignored), else a live
 * process whose command line names the domain's directory. The second catches a DAS that is
 * starting: GlassFish reads domain.xml seconds before it writes `config/pid`. Where there is no
 * `/proc`, only the pid file is checked.
 */
export async function findRunningDas(
  file: string,
  host: Host = localHost,
): Promise<RunningDas | undefined> {
  const pidFile = path.join(path.dirname(file), "pid");
  const text = await orElse(
    host.readFile(pidFile).then((b) => b.toString("utf8")),
    "",
  );
  const pid = parsePidFile(text);
  if (pid !== undefined && (await host.processes.isAlive(pid))) {
    return { pid, foundBy: "pid-file", evidence: pidFile };
  }
  const real = await orElse(host.realpath(file), path.resolve(file));
  return scanProcesses(host, real);
}

/** The `DOMAIN_RUNNING` error for a DAS found running (`host` names a remote DAS host). */
export function domainRunningError(file: string, das: RunningDas, host?: Host): ImsError {
  const how =
    das.foundBy === "pid-file"
      ? `is running (process ${das.pid}, from ${das.evidence})`
      : `is running or starting (process ${das.pid}, whose command line names the domain: ${das.evidence})`;
  return new ImsError(
    "DOMAIN_RUNNING",
    `the GlassFish domain of ${host ? shownPath(host, file) : file} ${how}; it would overwrite domain.xml from its own copy. Stop it first (asadmin stop-domain), then run again`,
  );
}
