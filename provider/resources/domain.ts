// The DAS lifecycle's two resources (SPEC §8, docs/das-lifecycle.md): `Domain`, the opt-in that
// lets writes stop a running DAS, and `DomainStart`, which starts it again after the last write.
// The stop itself happens in the store, before the first write (store/lifecycle.ts). Both reach
// the DAS host through the same connection as the IMS resources (SPEC §7): every file, process
// look-up and command goes through its Host.
import * as path from "path";
import { ImsError } from "../errors";
import type { DasConnection } from "../remote/connection";
import { findRunningDas } from "../store/das";
import { shownPath, type Host } from "../store/effects";
import {
  clearMarker,
  controlOf,
  domainXmlOf,
  forgetControl,
  manageDomain,
  markClosing,
  readMarker,
  saveControl,
  startDomain,
  type DomainControl,
} from "../store/lifecycle";
import type { CheckResult, CreateResult, ReadResult, UpdateResult } from "../engine-types";
import type { ResourceDoc } from "../schema";
import { resourceId, type FileId, type KindPlace } from "./ids";
import { compact, diffOn } from "./common";
import { connectionField, connectionRule, hostOf } from "./das-host";
import {
  absolutePathRule,
  booleanRule,
  integerRule,
  isUnknown,
  nameRule,
  runRules,
  show,
  type Rule,
} from "./rules";

/** Inputs of a `Domain`. */
export interface DomainInputs {
  /** The domain directory, e.g. `/opt/glassfish7/glassfish/domains/domain1`. */
  domainDir: string;
  /** The domain's name, as asadmin takes it. @default the last part of `domainDir` */
  domainName?: string;
  /** The asadmin to run. @default `asadmin` (from PATH) */
  asadmin?: string;
  /** The stop command (an argument array). @default `asadmin stop-domain --domaindir <parent> <name>` */
  stopCommand?: string[];
  /** The start command. @default `setsid --wait asadmin start-domain --domaindir <parent> <name>` */
  startCommand?: string[];
  /** Seconds the stop may take. @default 120 */
  stopTimeoutSeconds?: number;
  /** Seconds the start may take. @default 600 */
  startTimeoutSeconds?: number;
  /** The DAS host, reached over SSH; `domainDir` is a path there. @default this machine */
  connection?: DasConnection;
}

/** What a `Domain` records. */
export interface DomainOutputs extends DomainInputs {
  /** `<domainDir>/config/domain.xml`: give it to the IMS resources as their `domainXml`. */
  domainXml: string;
  /** The commands and bounds in effect. */
  effectiveStopCommand: string[];
  effectiveStartCommand: string[];
  stateVersion: number;
}

const DOMAIN_KEYS = [
  "domainDir",
  "domainName",
  "asadmin",
  "stopCommand",
  "startCommand",
  "stopTimeoutSeconds",
  "startTimeoutSeconds",
  "connection",
] as const;

/** A non-empty argument array (program first), each argument without control characters. */
function commandRule(property: string): Rule {
  return {
    property,
    test: (v) =>
      Array.isArray(v) &&
      v.length > 0 &&
      v.every((a) => typeof a === "string" && !/[\0-\x1f]/.test(a)) &&
      v[0] !== ""
        ? undefined
        : `${property} ${show(v)} must be a non-empty array of arguments, the program first, such as ["/opt/glassfish7/bin/asadmin", "stop-domain", "domain1"]`,
  };
}

const DOMAIN_RULES: readonly Rule[] = [
  { ...absolutePathRule("domainDir"), required: true },
  nameRule("domainName", false),
  {
    property: "asadmin",
    test: (v) =>
      typeof v === "string" && v.trim() !== "" && !/[\0-\x1f]/.test(v)
        ? undefined
        : `asadmin ${show(v)} must be the asadmin program, such as /opt/glassfish7/bin/asadmin`,
  },
  commandRule("stopCommand"),
  commandRule("startCommand"),
  integerRule("stopTimeoutSeconds", 1, 3600),
  integerRule("startTimeoutSeconds", 1, 3600),
  connectionRule("connection"),
];

/** The effective control of a checked, fully known `Domain`. */
export function controlFrom(i: DomainInputs): DomainControl {
  const domainDir = path.posix.resolve("/", i.domainDir);
  const name = i.domainName ?? path.posix.basename(domainDir);
  const asadmin = i.asadmin ?? "asadmin";
  const where = ["--domaindir", path.posix.dirname(domainDir), name];
  return {
    domainDir,
    stopCommand: i.stopCommand ?? [asadmin, "stop-domain", ...where],
    // setsid: the DAS must leave the process group of the command, which the runner ends.
    startCommand: i.startCommand ?? ["setsid", "--wait", asadmin, "start-domain", ...where],
    stopTimeoutMs: (i.stopTimeoutSeconds ?? 120) * 1000,
    startTimeoutMs: (i.startTimeoutSeconds ?? 600) * 1000,
  };
}

/** The host that holds the domain: the DAS host of `connection`, else this machine. */
function domainHost(i: { connection?: DasConnection }): Host {
  return hostOf({ domainXml: "", connection: i.connection });
}

function domainOutputs(i: DomainInputs): DomainOutputs {
  const c = controlFrom(i);
  return {
    ...i,
    domainXml: domainXmlOf(c.domainDir),
    effectiveStopCommand: c.stopCommand,
    effectiveStartCommand: c.startCommand,
    stateVersion: 1,
  };
}

/**
 * Validates; once every input is known, records in this provider process that the program
 * manages the domain, so that `check` of the IMS resources and the store's first write know it
 * (no I/O here: it runs at every preview).
 */
async function checkDomain(
  _olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<CheckResult> {
  const inputs = compact({ ...news });
  if (typeof inputs.domainDir === "string" && !isUnknown(inputs.domainDir)) {
    inputs.domainDir = path.posix.normalize(inputs.domainDir.trim()).replace(/(.)\/$/, "$1");
  }
  const failures = runRules(inputs, DOMAIN_RULES);
  if (failures.length === 0 && !isUnknown(inputs)) {
    const i = inputs as unknown as DomainInputs;
    manageDomain(controlFrom(i), domainHost(i));
  }
  return { inputs, failures };
}

async function assertDomainThere(i: DomainInputs, host: Host): Promise<void> {
  const file = domainXmlOf(i.domainDir);
  try {
    await host.stat(file);
  } catch (e) {
    throw new ImsError(
      "FILE_NOT_FOUND",
      `${shownPath(host, file)} does not exist: domainDir must be a GlassFish domain directory (the one holding config/domain.xml)${host.label ? " on the DAS host" : ""}`,
      { cause: e },
    );
  }
}

/** A Domain's resource ID: the path of its domain.xml. */
const DOMAIN_ID: FileId = {};

/** A DomainStart's resource ID: `<domainXml>#start`. */
const DOMAIN_START_ID: FileId = { fragment: "start" };

/** The `Domain` resource: the opt-in of the DAS lifecycle. */
export const domain = {
  check: checkDomain,
  diff: diffOn(DOMAIN_KEYS, ["domainDir"]),
  /** Writes the opt-in's durable copy beside domain.xml (read by steps without the program). */
  create: async (i: DomainInputs): Promise<CreateResult<DomainOutputs>> => {
    const host = domainHost(i);
    await assertDomainThere(i, host);
    await saveControl(controlFrom(i), host);
    const outs = domainOutputs(i);
    return { id: resourceId(DOMAIN_ID, outs.domainXml), outs };
  },
  read: async (id: string, props: Partial<DomainOutputs>) => {
    const r: ReadResult<DomainInputs, DomainOutputs> = { id, props: props as DomainOutputs };
    return r;
  },
  update: async (_id: string, _olds: DomainOutputs, i: DomainInputs) => {
    const host = domainHost(i);
    await assertDomainThere(i, host);
    await saveControl(controlFrom(i), host);
    const r: UpdateResult<DomainOutputs> = { outs: domainOutputs(i) };
    return r;
  },
  /**
   * Runs last in a destroy (every IMS resource depends on it): starts the domain when a delete
   * of this destroy stopped it (its marker says so), then removes the durable copy.
   */
  remove: async (_id: string, props: DomainOutputs): Promise<void> => {
    const c = controlFrom(props);
    const host = domainHost(props);
    const file = domainXmlOf(c.domainDir);
    if (await readMarker(file, host)) await startDomain(host, file, c);
    await forgetControl(c.domainDir, host);
  },
};

/** Inputs of a `DomainStart`. */
export interface DomainStartInputs {
  /** The domain's domain.xml: the `Domain`'s `domainXml` output. */
  domainXml: string;
  /** What it starts after: the `xmlDigest` of each IMS resource of the domain. */
  triggers?: string[];
  /** Also start the domain when it was stopped before the up. @default false */
  ensureRunning?: boolean;
  /** Set by `check`: why this step must start the domain (the marker, or `ensureRunning`). */
  pendingStart?: string;
  /** The DAS host: the `Domain`'s. @default this machine */
  connection?: DasConnection;
}

/** What a `DomainStart` records. */
export interface DomainStartOutputs {
  domainXml: string;
  triggers?: string[];
  ensureRunning?: boolean;
  /** True when its last step started the domain. */
  started: boolean;
  /** The DAS's process id after that start. */
  pid?: number;
  /** The DAS host, when it is not this machine. */
  connection?: DasConnection;
  stateVersion: number;
}

const START_KEYS = [
  "domainXml",
  "triggers",
  "ensureRunning",
  "pendingStart",
  "connection",
] as const;

const START_RULES: readonly Rule[] = [
  { ...absolutePathRule("domainXml"), required: true },
  {
    property: "triggers",
    test: (v) =>
      Array.isArray(v) && v.every((t) => typeof t === "string")
        ? undefined
        : `triggers ${show(v)} must be a list of strings (the xmlDigest outputs of the IMS resources)`,
  },
  booleanRule("ensureRunning"),
  connectionRule("connection"),
];

/**
 * Validates, and notes that the domain's last writes are done (the engine checks this resource
 * once the values it refers to are resolved: its triggers' resources have run). Asks for a start
 * (`pendingStart`, which makes `diff` report a change) when the marker says glassfish-ims holds
 * the domain stopped, from this up or from one that failed or was killed, or when
 * `ensureRunning` finds it stopped. Reads only the marker and the process table.
 */
async function checkStart(
  _olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<CheckResult> {
  const inputs = compact({ ...news, pendingStart: undefined });
  const failures = runRules(inputs, START_RULES);
  const file = inputs.domainXml;
  if (failures.length > 0 || typeof file !== "string" || isUnknown(file)) {
    return { inputs, failures };
  }
  if (isUnknown(inputs.connection)) return { inputs, failures };
  const host = hostOf(inputs as unknown as DomainStartInputs);
  markClosing(file, host);
  const marker = await readMarker(file, host);
  if (marker) {
    inputs.pendingStart = `stopped by glassfish-ims at ${marker.stoppedAt || "an unknown time"}`;
  } else if (inputs.ensureRunning === true && !(await findRunningDas(file, host))) {
    inputs.pendingStart = "not running (ensureRunning)";
  }
  return { inputs, failures };
}

async function startIfPending(i: DomainStartInputs): Promise<DomainStartOutputs> {
  const outs: DomainStartOutputs = {
    domainXml: i.domainXml,
    ...(i.triggers !== undefined ? { triggers: i.triggers } : {}),
    ...(i.ensureRunning !== undefined ? { ensureRunning: i.ensureRunning } : {}),
    ...(i.connection !== undefined ? { connection: i.connection } : {}),
    started: false,
    stateVersion: 1,
  };
  const host = hostOf(i);
  const marker = await readMarker(i.domainXml, host);
  const running = await findRunningDas(i.domainXml, host);
  const wanted = marker !== undefined || (i.ensureRunning === true && !running);
  if (!wanted) return outs;
  if (running) {
    // Started meanwhile (by hand, or the marker is stale): nothing to do but forget the marker.
    await clearMarker(i.domainXml, host);
    return { ...outs, pid: running.pid };
  }
  const control =
    (await controlOf(i.domainXml, host)) ?? fromMarker(i.domainXml, marker?.startCommand);
  if (!control) {
    throw new ImsError(
      "DOMAIN_START_FAILED",
      `cannot start the GlassFish domain of ${shownPath(host, i.domainXml)}: no Domain resource of this program names ${path.posix.dirname(path.posix.dirname(i.domainXml))}; give the DomainStart the Domain's domainXml output`,
    );
  }
  const das = await startDomain(host, i.domainXml, control);
  return { ...outs, started: true, pid: das.pid };
}

/** The control a marker alone gives (its start command): for a program without its Domain. */
function fromMarker(file: string, startCommand: string[] | undefined): DomainControl | undefined {
  if (!startCommand || startCommand.length === 0) return undefined;
  const domainDir = path.posix.dirname(path.posix.dirname(file));
  return { ...controlFrom({ domainDir }), startCommand };
}

/** The `DomainStart` resource: starts the domain again after the last write of an up. */
export const domainStart = {
  check: checkStart,
  diff: diffOn(START_KEYS, ["domainXml"]),
  create: async (i: DomainStartInputs): Promise<CreateResult<DomainStartOutputs>> => ({
    id: resourceId(DOMAIN_START_ID, i.domainXml),
    outs: await startIfPending(i),
  }),
  read: async (id: string, props: Partial<DomainStartOutputs>) => {
    const r: ReadResult<DomainStartInputs, DomainStartOutputs> = {
      id,
      props: props as DomainStartOutputs,
    };
    return r;
  },
  update: async (_id: string, _olds: DomainStartOutputs, i: DomainStartInputs) => {
    const r: UpdateResult<DomainStartOutputs> = { outs: await startIfPending(i) };
    return r;
  },
  /** Nothing: a destroy's start is the `Domain`'s (it is deleted last). */
  remove: async (): Promise<void> => undefined,
};

/** What the schema and the README show of `Domain`. */
export const DOMAIN_SPEC: ResourceDoc & KindPlace = {
  type: "Domain",
  id: DOMAIN_ID,
  doc: "A GlassFish domain whose DAS glassfish-ims may stop and start (SPEC §8): the first write of an up to a running domain stops it, and a DomainStart starts it again after the last. Give its domainXml output to the IMS resources of the domain.",
  fields: {
    domainDir: {
      type: "string",
      doc: "the domain directory (the one holding config/domain.xml), an absolute path",
      required: true,
      change: "replace",
    },
    domainName: {
      type: "string",
      doc: "the domain's name as asadmin takes it",
      default: "the last part of `domainDir`",
      change: "update",
    },
    asadmin: {
      type: "string",
      doc: "the asadmin program the default commands run",
      default: "`asadmin` (from PATH)",
      change: "update",
    },
    stopCommand: {
      type: "string[]",
      doc: "the stop command, program first (never through a shell)",
      default: "`asadmin stop-domain --domaindir <parent> <name>`",
      change: "update",
    },
    startCommand: {
      type: "string[]",
      doc: "the start command, program first; the DAS must outlive it in a session of its own",
      default: "`setsid --wait asadmin start-domain --domaindir <parent> <name>`",
      change: "update",
    },
    stopTimeoutSeconds: {
      type: "integer",
      doc: "seconds the stop may take, until no process names the domain (1 to 3600)",
      default: "`120`",
      change: "update",
    },
    startTimeoutSeconds: {
      type: "integer",
      doc: "seconds the start may take, until config/pid names a live process (1 to 3600)",
      default: "`600`",
      change: "update",
    },
    connection: connectionField(),
  },
  outputs: {
    domainXml: { type: "string", doc: "the domain's config/domain.xml, for the IMS resources" },
    effectiveStopCommand: { type: "string[]", doc: "the stop command in effect" },
    effectiveStartCommand: { type: "string[]", doc: "the start command in effect" },
  },
};

/** What the schema and the README show of `DomainStart`. */
export const DOMAIN_START_SPEC: ResourceDoc & KindPlace = {
  type: "DomainStart",
  id: DOMAIN_START_ID,
  doc: "Starts a Domain's DAS again after the last write of an up, when glassfish-ims stopped it (in this up, or in one that failed or was killed). List the xmlDigest of every IMS resource of the domain in triggers: the start then runs after them, and preview shows it when one changes.",
  fields: {
    domainXml: {
      type: "string",
      doc: "the Domain's domainXml output",
      required: true,
      change: "replace",
    },
    triggers: {
      type: "string[]",
      doc: "the xmlDigest output of every IMS resource of the domain",
      change: "update",
    },
    ensureRunning: {
      type: "boolean",
      doc: "also start the domain when it was stopped before the up",
      default: "`false`",
      change: "update",
    },
    pendingStart: {
      type: "string",
      doc: "set by check: why this step starts the domain",
      change: "update",
      exposure: "internal",
      stored: false,
    },
    connection: {
      ...connectionField(),
      doc: "the DAS host of the Domain (the TypeScript class takes the Domain's); absent: this machine",
    },
  },
  outputs: {
    started: { type: "boolean", doc: "true when its last step started the domain" },
    pid: { type: "integer", doc: "the DAS's process id after that start", optional: true },
  },
};
