// The DAS lifecycle (SPEC §8): a domain the program manages (a `Domain` resource) is stopped by
// the first write that finds its DAS running, and started again after the last one. Everything
// goes through the domain's Host (its files, its process table, its `run`), so it works on this
// machine and on a DAS host over SSH alike. See docs/das-lifecycle.md.
import * as path from "path";
import { ImsError } from "../errors";
import { domainRunningError, findRunningDas, type RunningDas } from "./das";
import { errnoOf, shownPath, type Host } from "./effects";
import { localHost } from "./local";

/** How the provider stops and starts one domain (the effective settings of a `Domain`). */
export interface DomainControl {
  /** The domain directory: the one holding `config/domain.xml`. */
  domainDir: string;
  /** The stop command as an argument array (program first). */
  stopCommand: string[];
  /** The start command as an argument array (program first). */
  startCommand: string[];
  /** How long the stop may take, the wait for the JVM to exit included. */
  stopTimeoutMs: number;
  /** How long the start may take, until `config/pid` names a live process. */
  startTimeoutMs: number;
}

/** What the marker beside domain.xml records while the provider holds the domain stopped. */
export interface StopMarker {
  stoppedBy: "glassfish-ims";
  /** When the stop was asked for (ISO 8601). */
  stoppedAt: string;
  /** The DAS process that was stopped. */
  pid: number;
  /** The command that starts the domain again. */
  startCommand: string[];
  /** What a person finding the file should do. */
  note: string;
}

/** The marker's name, beside domain.xml. */
export const MARKER = "glassfish-ims.stopped";
/** The opt-in's durable copy, beside domain.xml (for steps that run without the program: destroy). */
export const CONTROL = "glassfish-ims.domain.json";

interface Registry {
  /** Domains the program of this deployment manages, by host and domain.xml. */
  managed: Map<string, DomainControl>;
  /** Domains whose `DomainStart` was checked: a write after that is a late one (see afterWrite). */
  closing: Set<string>;
}

// Shared through a global symbol (as the store's queues): the dynamic provider host loads this
// module once per resource, and one provider process serves one deployment.
const REGISTRY = Symbol.for("glassfish-ims.lifecycle.v1");

function registry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  return (g[REGISTRY] ??= { managed: new Map(), closing: new Set() });
}

function keyOf(host: Host, file: string): string {
  return `${host.id}\0${path.posix.resolve("/", file)}`;
}

/** The `config/domain.xml` of a domain directory. */
export function domainXmlOf(domainDir: string): string {
  return path.posix.join(path.posix.resolve("/", domainDir), "config", "domain.xml");
}

/** The marker file of a domain.xml. */
export function markerOf(file: string): string {
  return path.posix.join(path.posix.dirname(file), MARKER);
}

/** Records that this deployment's program manages the domain (a `Domain`'s check). No I/O. */
export function manageDomain(control: DomainControl, host: Host = localHost): void {
  registry().managed.set(keyOf(host, domainXmlOf(control.domainDir)), control);
}

/** Records that the domain's `DomainStart` was checked: its dependencies have all run. */
export function markClosing(file: string, host: Host = localHost): void {
  registry().closing.add(keyOf(host, file));
}

/** The control of a managed domain: from this deployment's program, else from its durable copy. */
export async function controlOf(file: string, host: Host): Promise<DomainControl | undefined> {
  const known = registry().managed.get(keyOf(host, file));
  if (known) return known;
  try {
    const text = (
      await host.readFile(path.posix.join(path.posix.dirname(file), CONTROL))
    ).toString();
    return JSON.parse(text) as DomainControl;
  } catch {
    return undefined;
  }
}

/** Writes `text` to `file` on `host` whole: a temp file renamed into place. */
async function writeWhole(host: Host, file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const h = await host.createExclusive(tmp, 0o644);
  try {
    const b = Buffer.from(text);
    await h.write(b, 0, b.length);
    await h.sync();
  } finally {
    await h.close();
  }
  await host.rename(tmp, file);
}

/** Writes the durable copy of the opt-in (a `Domain`'s create and update). */
export async function saveControl(control: DomainControl, host: Host = localHost): Promise<void> {
  const file = path.posix.join(path.posix.dirname(domainXmlOf(control.domainDir)), CONTROL);
  await writeWhole(host, file, `${JSON.stringify(control, null, 2)}\n`);
}

/** Removes the durable copy (a `Domain`'s delete); already gone is fine. */
export async function forgetControl(domainDir: string, host: Host = localHost): Promise<void> {
  await unlinkIfThere(host, path.posix.join(path.posix.dirname(domainXmlOf(domainDir)), CONTROL));
}

async function unlinkIfThere(host: Host, file: string): Promise<void> {
  try {
    await host.unlink(file);
  } catch (e) {
    if (errnoOf(e) !== "ENOENT") throw e;
  }
}

/** Removes the marker (the domain runs again); already gone is fine. */
export async function clearMarker(file: string, host: Host = localHost): Promise<void> {
  await unlinkIfThere(host, markerOf(file));
}

/** The marker of the domain, when the provider holds it stopped. */
export async function readMarker(
  file: string,
  host: Host = localHost,
): Promise<StopMarker | undefined> {
  try {
    return JSON.parse((await host.readFile(markerOf(file))).toString()) as StopMarker;
  } catch (e) {
    if (errnoOf(e) === "ENOENT") return undefined;
    // A marker that cannot be read still means "stopped by us": start with the program's command.
    return { stoppedBy: "glassfish-ims", stoppedAt: "", pid: 0, startCommand: [], note: "" };
  }
}

/**
 * The `DOMAIN_RUNNING` error `check` reports at preview: the domain's DAS is running and the
 * program does not manage the domain, so the store would refuse the write.
 */
export async function runningUnmanaged(
  file: string,
  host: Host = localHost,
): Promise<ImsError | undefined> {
  const das = await findRunningDas(file, host);
  if (!das || (await controlOf(file, host))) return undefined;
  return domainRunningError(file, das, host.label ? host : undefined);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The last `n` non-empty lines of a text, on one line each. */
function tail(text: string, n: number): string {
  return text
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l !== "")
    .slice(-n)
    .join("\n");
}

/** Runs one of the domain's commands; the failure names the command, its exit code and output. */
async function runCommand(
  host: Host,
  what: "stop" | "start",
  argv: string[],
  timeoutMs: number,
): Promise<{ failed?: string }> {
  const [cmd, ...args] = argv;
  // asadmin's own bound on waiting for the DAS (60 s unless set, in ms) follows the Domain's.
  const env = { [what === "stop" ? "AS_STOP_TIMEOUT" : "AS_START_TIMEOUT"]: String(timeoutMs) };
  const r = await host.run(cmd, args, { timeoutMs, env });
  if (r.code === 0 && !r.timedOut) return {};
  const how = r.timedOut
    ? `did not finish within ${Math.round(timeoutMs / 1000)} s`
    : `exited with code ${r.code}`;
  const out = tail(`${r.stdout}\n${r.stderr}`, 10);
  return { failed: `the ${what} command \`${argv.join(" ")}\` ${how}${out ? `:\n${out}` : ""}` };
}

/**
 * Stops the managed domain whose DAS `das` runs: writes the marker first (so a failure or a kill
 * from here on leaves "start it again" behind), runs the stop command, and waits until neither
 * `config/pid` nor any process names the domain. Throws `DOMAIN_STOP_FAILED`; the marker stays
 * (a DomainStart that finds the DAS running only removes it).
 */
async function stopDomain(host: Host, file: string, control: DomainControl, das: RunningDas) {
  const marker: StopMarker = {
    stoppedBy: "glassfish-ims",
    stoppedAt: new Date().toISOString(),
    pid: das.pid,
    startCommand: control.startCommand,
    note: "glassfish-ims stopped this domain to edit domain.xml: the next `pulumi up` starts it again (or start it yourself, then remove this file)",
  };
  if (!(await readMarker(file, host))) {
    await writeWhole(host, markerOf(file), `${JSON.stringify(marker, null, 2)}\n`);
  }
  const end = Date.now() + control.stopTimeoutMs;
  const { failed } = await runCommand(host, "stop", control.stopCommand, control.stopTimeoutMs);
  let still = await findRunningDas(file, host);
  while (still && !failed && Date.now() < end) {
    await sleep(250);
    still = await findRunningDas(file, host);
  }
  if (!still) return;
  // The marker stays: a stop command that failed or was ended may still have told the DAS to
  // stop, and it may exit after this look. The domain's next DomainStart starts it if it is
  // down, and only removes the marker if it runs.
  throw new ImsError(
    "DOMAIN_STOP_FAILED",
    `cannot stop the GlassFish domain of ${shownPath(host, file)} before writing it: ${
      failed ??
      `process ${still.pid} still runs ${Math.round(control.stopTimeoutMs / 1000)} s after the stop command`
    }. Nothing was written; check the Domain's stopCommand, or stop the domain yourself (the next \`pulumi up\` starts it again if it is left down)`,
  );
}

/**
 * Starts the domain and waits until `config/pid` names a live process; then removes the marker.
 * A failure throws `DOMAIN_START_FAILED` naming the command, its exit code and the last lines of
 * its output and of the server log; the marker stays, so the next `up` tries again.
 */
export async function startDomain(
  host: Host,
  file: string,
  control: Pick<DomainControl, "domainDir" | "startCommand" | "startTimeoutMs">,
): Promise<RunningDas> {
  const end = Date.now() + control.startTimeoutMs;
  const { failed } = await runCommand(host, "start", control.startCommand, control.startTimeoutMs);
  let das = await findRunningDas(file, host);
  while (!failed && das?.foundBy !== "pid-file" && Date.now() < end) {
    await sleep(250);
    das = await findRunningDas(file, host);
  }
  if (!failed && das?.foundBy === "pid-file") {
    await unlinkIfThere(host, markerOf(file));
    return das;
  }
  const log = path.posix.join(path.posix.resolve("/", control.domainDir), "logs", "server.log");
  const lines = await host
    .readFile(log)
    .then((b) => tail(b.toString("utf8"), 15))
    .catch(() => "");
  throw new ImsError(
    "DOMAIN_START_FAILED",
    `cannot start the GlassFish domain of ${shownPath(host, file)} again after writing it: ${
      failed ??
      `no live process in config/pid ${Math.round(control.startTimeoutMs / 1000)} s after the start command`
    }${lines ? `\nlast lines of ${shownPath(host, log)}:\n${lines}` : ""}\ndomain.xml holds the changes and ${MARKER} beside it says the domain is to be started: fix the cause, then run \`pulumi up\` again (it starts the domain), or start it yourself and remove ${MARKER}`,
  );
}

/** What a batch must do before its first write: stop the managed DAS it found running. */
export interface DasGate {
  /**
   * Stops the DAS (once, however often it is called). Resolves to what the store runs after its
   * write: for a late write (one after the domain's `DomainStart` was checked, such as the delete
   * of a resource taken out of the program, which the engine runs after every other step),
   * starting the domain again right away; else nothing, the `DomainStart` starts it.
   */
  stop(): Promise<(() => Promise<void>) | undefined>;
}

/**
 * The store's look at the DAS when a batch starts (store.ts), inside the file lock: not running,
 * nothing to do; running and not managed, `DOMAIN_RUNNING` (as before the lifecycle, also for a
 * batch that would write nothing); running and managed, a gate whose `stop` the store calls right
 * before its first write, so a batch that writes nothing stops nothing.
 */
export async function gateBatch(host: Host, file: string): Promise<DasGate | undefined> {
  const das = await findRunningDas(file, host);
  if (!das) return undefined;
  const control = await controlOf(file, host);
  if (!control) throw domainRunningError(file, das, host.label ? host : undefined);
  let stopped: Promise<(() => Promise<void>) | undefined> | undefined;
  return {
    stop: () =>
      (stopped ??= stopDomain(host, file, control, das).then(() =>
        registry().closing.has(keyOf(host, file))
          ? async () => void (await startDomain(host, file, control))
          : undefined,
      )),
  };
}
