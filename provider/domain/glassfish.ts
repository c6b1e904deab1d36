import * as fs from "fs";
import * as path from "path";
import { ImsError } from "../errors";
import { getAttribute } from "./attrs";
import type { XmlDocument } from "./xml";

// ---------------------------------------------------------------------------------------------
// Which GlassFish releases hold IMS
// ---------------------------------------------------------------------------------------------

/** What the root `<domain version="...">` says about the GlassFish that last started the domain. */
export type DomainStamp =
  /** No `version` on the root: nothing is known, IMS configuration may be written. */
  | { kind: "unstamped" }
  /** A domain.xml schema number (`10.0`, `10.0-b23`), as templates carry before a first start. */
  | { kind: "schema"; version: string }
  /** A GlassFish release stamped the domain on its first start (`7.0.21`). */
  | { kind: "release"; version: string; ims: "yes" | "no" | "unknown" }
  /** Something else: not a version this provider can reason about. */
  | { kind: "unknown"; version: string };

const RELEASE = /^(\d+)\.(\d+)((?:\.\d+)*)(?:-(.+))?$/;

/**
 * Classifies a root `version` value. IMS exists only in the GlassFish 3.2 / 4.0 promoted builds
 * of 2011–2012 (`3.2-b06`, `4.0-b33`); it was removed in October 2012, before 4.0 final (June
 * 2013). GlassFish 1, 2, 3.0 and 3.1.x never had it, nor has any release since (4.0 final, 4.0.1,
 * 4.1, 5, 6, 7, 8). A promoted build of 4.0 made after the removal cannot be told from one made
 * before by its number here, so every `4.0-b<N>` counts as "yes".
 */
export function domainStamp(version: string | undefined): DomainStamp {
  const v = version?.trim();
  if (!v) return { kind: "unstamped" };
  const m = RELEASE.exec(v);
  if (!m) return { kind: "unknown", version: v };
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const more = m[3];
  const qualifier = m[4];
  // GlassFish's domain.xml schema has been "10.0" since v3; no release is numbered 10.0 yet, and
  // a future one would be stamped with three components (10.0.0).
  if (major === 10 && minor === 0 && !more && (!qualifier || /^b\d+$/i.test(qualifier))) {
    return { kind: "schema", version: v };
  }
  const release = (ims: "yes" | "no" | "unknown"): DomainStamp => ({
    kind: "release",
    version: v,
    ims,
  });
  if (major < 3) return release("no");
  if (major === 3) return release(minor <= 1 ? "no" : minor === 2 ? "yes" : "unknown");
  if (major === 4 && minor === 0) {
    if (!qualifier) return release("no");
    return release(/^b\d+$/i.test(qualifier) ? "yes" : "unknown");
  }
  return release("no");
}

/** The root `version` attribute of a domain.xml; other elements' `version` never counts. */
export function domainVersion(doc: XmlDocument): string | undefined {
  return getAttribute(doc.root, "version");
}

/**
 * Whether IMS configuration may be written into this domain: `undefined` when it may, else the
 * reason (the domain is stamped by a GlassFish release known to lack IMS). An unstamped domain,
 * a schema number and versions this provider cannot place are allowed: only what is known to
 * break is refused.
 */
export function imsSupport(doc: XmlDocument): string | undefined {
  const stamp = domainStamp(domainVersion(doc));
  if (stamp.kind !== "release" || stamp.ims !== "no") return undefined;
  return (
    `it was last started by GlassFish ${stamp.version} (<domain version="${stamp.version}">), which has no IMS: ` +
    "only the GlassFish 3.2/4.0 promoted builds of 2011-2012 read <virtualizations> (IMS was removed in October 2012; " +
    "no 3.0, 3.1, 4.0 final, 4.1, 5, 6, 7 or 8 release has it). " +
    "That GlassFish ignores the unrecognized <virtualizations>, fails to parse the domain and moves domain.xml.bak " +
    "over domain.xml (this edit is lost), or refuses to start when there is no domain.xml.bak"
  );
}

/**
 * Throws `GLASSFISH_WITHOUT_IMS` when {@link imsSupport} refuses `doc` (the domain.xml at `file`)
 * and the user did not opt out with `allow` (the resources' `allowUnsupportedGlassFish` input).
 */
export function assertImsSupported(doc: XmlDocument, file: string, allow: boolean): void {
  if (allow) return;
  const reason = imsSupport(doc);
  if (reason === undefined) return;
  throw new ImsError(
    "GLASSFISH_WITHOUT_IMS",
    `refusing to write IMS configuration into ${file}: ${reason}. ` +
      "Run an IMS-capable GlassFish (a 3.2/4.0 promoted build), or set allowUnsupportedGlassFish: true to write it anyway",
  );
}

// ---------------------------------------------------------------------------------------------
// Is the domain's DAS running (or starting)?
// ---------------------------------------------------------------------------------------------

/**
 * The effects DAS detection needs; {@link nodeDasProbe} gives the real ones, tests pass fakes.
 * Synchronous on purpose: the files are in `/proc`, never on a disk, and a scan of a hundred
 * processes takes about 0.5 ms this way against 7 ms through the promise API, on every write.
 * Each method throws when its file does not exist.
 */
export interface DasProbe {
  /** A file's text (a pid file, a process's command line). */
  readFile(p: string): string;
  /** Entries of a directory; throws when it does not exist (no `/proc`). */
  readdir(p: string): string[];
  /** A path with every link resolved, to compare domain directories. */
  realpath(p: string): string;
  /** Where a link points (a process's working directory, `/proc/<pid>/cwd`). */
  readlink(p: string): string;
  /** True when a process of that id exists (also when it belongs to another user). */
  isAlive(pid: number): boolean;
  /** This process's id: never reported as the DAS. */
  self: number;
}

/** A DAS found running, and how it was found. */
export interface RunningDas {
  /** The DAS's process id. */
  pid: number;
  /** `pid-file`: `config/pid` names a live process; `command-line`: a process's arguments name the domain. */
  foundBy: "pid-file" | "command-line";
  /** The pid file, or the argument that names the domain. */
  evidence: string;
}

/** The real effects: the file system, `/proc` and signal 0. */
export function nodeDasProbe(): DasProbe {
  return {
    readFile: (p) => fs.readFileSync(p, "utf8"),
    readdir: (p) => fs.readdirSync(p),
    realpath: (p) => fs.realpathSync(p),
    readlink: (p) => fs.readlinkSync(p),
    isAlive: (pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
      }
    },
    self: process.pid,
  };
}

/** The pid in a GlassFish `config/pid` file (no newline in it; tolerated), or undefined. */
export function parsePidFile(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const pid = Number(t);
  return pid > 0 ? pid : undefined;
}

const INSTANCE_ROOT = "-Dcom.sun.aas.instanceRoot=";

/**
 * The domain directories a process's command line (`/proc/<pid>/cmdline`: arguments separated
 * by NUL) names, each with the argument that names it: the DAS JVM carries
 * `-Dcom.sun.aas.instanceRoot=<dir>` and hands its main class `-domaindir <dir>`.
 */
export function domainDirsOf(cmdline: string): { dir: string; arg: string }[] {
  const args = cmdline.split("\0");
  const found: { dir: string; arg: string }[] = [];
  args.forEach((a, i) => {
    if (a.startsWith(INSTANCE_ROOT) && a.length > INSTANCE_ROOT.length) {
      found.push({ dir: a.slice(INSTANCE_ROOT.length), arg: a });
    } else if (a === "-domaindir" && args[i + 1]) {
      found.push({ dir: args[i + 1], arg: `-domaindir ${args[i + 1]}` });
    }
  });
  return found;
}

/** `fn()`, or `fallback` when it throws (a file that is gone, a process that exited). */
function orElse<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/** A live process whose command line names the domain whose domain.xml is `real`. */
function scanProcesses(probe: DasProbe, real: string): RunningDas | undefined {
  // No /proc (macOS, BSD): the pid file is all there is to go on.
  const entries = orElse(() => probe.readdir("/proc"), undefined);
  if (!entries) return undefined;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === probe.self) continue;
    // A process that exited meanwhile, or one hidden from us, has no command line to read.
    const cmdline = orElse(() => probe.readFile(`/proc/${entry}/cmdline`), "");
    for (const { dir, arg } of domainDirsOf(cmdline)) {
      const root = path.isAbsolute(dir)
        ? dir
        : path.resolve(
            orElse(() => probe.readlink(`/proc/${entry}/cwd`), "/"),
            dir,
          );
      // GlassFish reads <instance root>/config/domain.xml: compare real files, so a symlinked
      // domain directory, config directory or domain.xml is matched however it is named.
      const theirs = orElse(() => probe.realpath(path.join(root, "config", "domain.xml")), "");
      if (theirs === real) return { pid: Number(entry), foundBy: "command-line", evidence: arg };
    }
  }
  return undefined;
}

/**
 * Finds the DAS of the domain whose domain.xml is `file`: a live process named by `config/pid`
 * (a pid file left by `kill -9` names a dead process and is ignored), else a live process whose
 * command line names the domain's directory. The second catches a DAS that is starting: GlassFish
 * reads domain.xml seconds before it writes `config/pid`. Where there is no `/proc`, only the pid
 * file is checked.
 */
export function findRunningDas(
  file: string,
  probe: DasProbe = nodeDasProbe(),
): RunningDas | undefined {
  const pidFile = path.join(path.dirname(file), "pid");
  const pid = parsePidFile(orElse(() => probe.readFile(pidFile), ""));
  if (pid !== undefined && probe.isAlive(pid)) {
    return { pid, foundBy: "pid-file", evidence: pidFile };
  }
  const real = orElse(() => probe.realpath(file), path.resolve(file));
  return scanProcesses(probe, real);
}

/** The `DOMAIN_RUNNING` error for a DAS found running. */
export function domainRunningError(file: string, das: RunningDas): ImsError {
  const how =
    das.foundBy === "pid-file"
      ? `is running (process ${das.pid}, from ${das.evidence})`
      : `is running or starting (process ${das.pid}, whose command line names the domain: ${das.evidence})`;
  return new ImsError(
    "DOMAIN_RUNNING",
    `the GlassFish domain of ${file} ${how}; it would overwrite domain.xml from its own copy. Stop it first (asadmin stop-domain), then run again`,
  );
}
