import { getAttribute, getAttributes, setAttributes } from "../domain/attrs";
import type { DasConnection } from "../remote/connection";
import { connectionField, domainAt, hostOf, shownFile } from "./das-host";
import {
  addMachine,
  describe,
  findMachine,
  mayHoldName,
  findPool,
  MACHINES,
  poolPath,
  removeMachine,
  USER,
  type MachineLocation,
} from "../domain/ims";
import { editDomain, readDomain } from "../store/store";
import {
  appendChild,
  insertBefore,
  newElement,
  newTextElement,
  removeChild,
  setText,
  textOf,
} from "../domain/tree";
import { childElements, firstChildElement, type XmlElement } from "../domain/xml";
import { ImsError } from "../errors";
import type { VirshRunner } from "../libvirt/connect";
import type { Progress } from "../progress";
import { virshOn } from "../libvirt/host-virsh";
import { isHostIn, normalizeMac } from "../net/address";
import { sweepEffectsOn } from "../net/host-sweep";
import type { SweepEffects } from "../net/sweep";
import { setCachedIp } from "../store/ip-cache";
import { diffOn, digest, editIms, inputsFromFile, pick } from "./common";
import { stillHolds } from "./held";
import {
  adoptField,
  allowUnsupportedField,
  attributeFields,
  checkFields,
  COMMON_OUTPUTS,
  desiredAttributes,
  keysOf,
  newAttributes,
  parentInProgramField,
  textChildren,
  type Field,
  type OutputsOnly,
  type ResourceSpec,
  validated,
} from "./fields";
import { alreadyExists, readTarget, requirePool, takeExisting } from "./locate";
import { duplicateFailures } from "./duplicates";
import { idFragment, idOf, type ElementId } from "./ids";
import { claimCreate, settle } from "./journal";
import { checkAgainstFile, failureOf, type FileCheck } from "./preview";
import {
  address,
  cacheAddress,
  connect,
  connectBeforeWriting,
  libvirtUriOf,
  shownUri,
  type Address,
  type Connection,
} from "./machine-reach";
import {
  booleanRule,
  domainXmlRule,
  integerRule,
  isUnknown,
  locationRule,
  machineIpRule,
  macRule,
  nameRule,
  show,
  type CheckFailure,
} from "./rules";

/** Plain inputs of a `Machine`. */
export interface MachineInputs {
  domainXml: string;
  virtualization?: string;
  serverPool: string;
  name: string;
  networkName?: string;
  ip?: string;
  mac?: string;
  disksLocation?: string;
  templatesLocation?: string;
  templateCacheLocation?: string;
  verifyConnection?: boolean;
  /** Time budget of MAC discovery, in milliseconds. */
  discoveryTimeoutMs?: number;
  /** Allow discovery to sweep a subnet larger than a /22. */
  allowLargeSweep?: boolean;
  /** Time bound of the libvirt connectivity check, in milliseconds. */
  connectTimeoutMs?: number;
  /** Let the connection string (read from domain.xml) run programs: `command=`, `+ext`, ... */
  allowUriCommand?: boolean;
  /** The pool's subnet, passed by the SDK so `check` can place a fixed ip; neither written nor stored. */
  poolSubnet?: string;
  adopt?: boolean;
  /** Write IMS configuration even into a domain stamped by a GlassFish without IMS. */
  allowUnsupportedGlassFish?: boolean;
  /** The DAS host that holds domainXml; absent: this machine. */
  connection?: DasConnection;
  /** Set by the SDK when the parent comes from the program (it may not be in the file at preview). */
  parentInProgram?: boolean;
}

/** How a machine's address was found. */
export type ResolvedBy = "localhost" | "fixed" | "mac" | "unresolved";

/** What a `Machine` records in the state. */
export interface MachineOutputs extends MachineInputs {
  /** The machine's IPv4 address, when known. */
  ipAddress?: string;
  resolvedBy: ResolvedBy;
  /** Why the address is not known, when it is not. */
  resolution?: string;
  /** For a MAC machine: the DAS port and address the sweep ran from. */
  discoveredVia?: string;
  /**
   * The virtualization's connection string expanded for this machine (SPEC §3), credentials
   * replaced by `***` (it is a plain output: the template comes from the file).
   */
  libvirtUri?: string;
  /** What the hypervisor reported over that URI (when the connection is verified). */
  hostname?: string;
  libvirtVersion?: string;
  hypervisorType?: string;
  hypervisorVersion?: string;
  /** Why the last refresh could not connect, when it could not. */
  connectionError?: string;
  restartRequired: boolean;
  xmlDigest: string;
  stateVersion: 1;
}

/** Exactly one way to reach the machine (SPEC §1): localhost, a fixed ip, or a mac. */
function reachFailure(i: Record<string, unknown>): CheckFailure | undefined {
  if ([i.networkName, i.ip, i.mac].some(isUnknown)) return undefined;
  const name = show(i.name);
  const ways = `networkName "localhost", ip, or mac`;
  if (i.ip !== undefined && i.mac !== undefined) {
    return {
      property: "mac",
      reason: `machine ${name} has both ip and mac: give exactly one way to reach it (${ways})`,
    };
  }
  if (i.networkName === "localhost" && (i.ip !== undefined || i.mac !== undefined)) {
    return {
      property: "networkName",
      reason: `machine ${name} is "localhost" and also has ${i.ip !== undefined ? "ip" : "mac"}: a localhost machine is the DAS host itself, drop one`,
    };
  }
  if (i.ip === undefined && i.mac === undefined && i.networkName !== "localhost") {
    return {
      property: i.networkName === undefined ? "networkName" : "ip",
      reason: `machine ${name} needs exactly one way to be reached: ${ways}`,
    };
  }
  return undefined;
}

/** {@link reachFailure} as a list, for the write paths. */
function reachFailures(i: Record<string, unknown>): CheckFailure[] {
  const f = reachFailure(i);
  return f ? [f] : [];
}

/** A location attribute of the machine; `absent` is GlassFish's default. */
function locationField(
  what: string,
  attr: string,
  absent: string,
): Field<MachineInputs, string | undefined> {
  return {
    type: "string",
    doc: `where ${what} go on the machine: a directory path without \`;\``,
    default: `\`${absent}\` (not written unless set)`,
    xml: { attr },
    rule: locationRule,
    change: "update",
  };
}

/** A boolean input of the machine, `false` unless set. */
function flagField(doc: string): Field<MachineInputs, boolean | undefined> {
  return { type: "boolean", doc, default: "`false`", rule: booleanRule, change: "update" };
}

/** Its resource ID: `<domainXml>#machines/<name>`. */
const ID = { element: "machines", by: "name" } as const satisfies ElementId;

/** The fields of a `Machine`, declared once. */
export const SPEC: ResourceSpec<MachineInputs, OutputsOnly<MachineOutputs, MachineInputs>> = {
  type: "Machine",
  id: ID,
  parent: { kind: "ServerPool", property: "serverPool" },
  doc: 'A `<machines>` element in a server pool: what `asadmin create-machine` creates. Give exactly one way to reach it: `networkName: "localhost"`, a fixed `ip`, or a `mac`. Changing the file, the pool (or its virtualization) or the name replaces it; the rest updates in place.',
  fields: {
    domainXml: {
      type: "string",
      doc: "path of domain.xml",
      required: true,
      default: "from `serverPool`",
      rule: domainXmlRule,
      change: "replace",
      trim: true,
    },
    virtualization: {
      type: "string",
      doc: "IMS name of the pool's virtualization (set by the SDK when `serverPool` is the resource)",
      rule: nameRule,
      change: "replace",
      ancestor: true,
      trim: true,
      exposure: "parent",
    },
    serverPool: {
      type: "string",
      doc: "the `ServerPool`, or its IMS name",
      required: true,
      rule: nameRule,
      change: "replace",
      trim: true,
    },
    name: {
      type: "string",
      doc: "IMS name of the machine, unique among the domain's machines",
      required: true,
      default: "the resource name",
      xml: { attr: "name", key: true },
      rule: nameRule,
      change: "replace",
      trim: true,
    },
    networkName: {
      type: "string",
      doc: "`localhost` for the DAS host itself, or a network label to go with `ip` or `mac`",
      xml: { text: "network-name" },
      rule: nameRule,
      change: "update",
      trim: true,
    },
    ip: {
      type: "string",
      doc: "a fixed IPv4 address inside the pool's subnet",
      xml: { text: "ip-address" },
      rule: (p) => machineIpRule(p, "poolSubnet"),
      change: "update",
      trim: true,
    },
    mac: {
      type: "string",
      doc: "the MAC address, `:` or `-` separated in any case; stored as `00:1c:c4:9f:e9:3b`",
      xml: { text: "mac-address" },
      rule: macRule,
      change: "update",
      trim: true,
      canonical: (v) => normalizeMac(v) ?? v,
    },
    disksLocation: locationField("VM disks", "disks-location", "virt/disks"),
    templatesLocation: locationField("templates", "templates-location", "virt/templates"),
    templateCacheLocation: locationField(
      "cached templates",
      "template-cache-location",
      "virt/cache",
    ),
    verifyConnection: {
      type: "boolean",
      doc: "check the libvirt connection on create and update (a failure writes nothing) and on refresh (shown as `connectionError`)",
      default: "`true`",
      rule: booleanRule,
      change: "update",
    },
    discoveryTimeoutMs: {
      type: "integer",
      doc: "time budget for finding a `mac` machine on the pool subnet, 100 to 600000 ms",
      default: "`3000`",
      rule: (p) => integerRule(p, 100, 600000),
      change: "update",
    },
    allowLargeSweep: flagField("let discovery sweep a pool subnet larger than a /22"),
    connectTimeoutMs: {
      type: "integer",
      doc: "time bound of the libvirt connection check, 100 to 600000 ms",
      default: "`10000`",
      rule: (p) => integerRule(p, 100, 600000),
      change: "update",
    },
    allowUriCommand: flagField(
      "let the connection string run a program or use a local file of its choosing (`command=`, `+ext`, ...; see Security)",
    ),
    adopt: adoptField("`<machines>`"),
    poolSubnet: {
      type: "string",
      doc: "the pool's subnet, passed by the SDK so that check can place a fixed ip; not written",
      change: "none",
      exposure: "internal",
    },
    allowUnsupportedGlassFish: allowUnsupportedField(),
    connection: connectionField(),
    parentInProgram: parentInProgramField(),
  },
  outputs: {
    ipAddress: {
      type: "string",
      doc: "the machine's IPv4 address, when known (`127.0.0.1` for localhost)",
      optional: true,
    },
    resolvedBy: {
      type: "string",
      doc: "how the address was found: `localhost`, `fixed`, `mac`, or `unresolved` (see `resolution`)",
    },
    resolution: {
      type: "string",
      doc: "why the address is not known, when it is not",
      optional: true,
    },
    discoveredVia: {
      type: "string",
      doc: "for a `mac` machine: the DAS port and address the sweep ran from",
      optional: true,
    },
    libvirtUri: {
      type: "string",
      doc: "the virtualization's connection string expanded for this machine, e.g. `qemu:///system`, credentials replaced by `***`",
      optional: true,
    },
    hostname: {
      type: "string",
      doc: "the host name the hypervisor reported (when the connection is verified)",
      optional: true,
    },
    libvirtVersion: {
      type: "string",
      doc: "the libvirt version the connection used",
      optional: true,
    },
    hypervisorType: {
      type: "string",
      doc: "the hypervisor's type, e.g. `QEMU`",
      optional: true,
    },
    hypervisorVersion: { type: "string", doc: "the hypervisor's version", optional: true },
    connectionError: {
      type: "string",
      doc: "why the last refresh could not connect, when it could not",
      optional: true,
    },
    ...COMMON_OUTPUTS,
  },
};

const KEYS = keysOf(SPEC.fields);

/** Input keys compared by diff (`poolSubnet` only informs check). */
export const INPUT_KEYS = KEYS.diff;

/** Identity: the file, the parent chain and the name. */
export const REPLACE_ON = KEYS.replace;

/** Ancestors the SDK knows only from a pool resource: compared when both sides have them. */
const CHAIN = KEYS.ancestors;

const FIELDS = attributeFields(SPEC.fields);

/** The text children, in GlassFish's order. */
const TEXT_CHILDREN = textChildren(SPEC.fields);

function outputsOf(
  i: MachineInputs,
  l: MachineLocation,
  restartRequired: boolean,
  address: Address,
  connection: Connection,
): MachineOutputs {
  return {
    ...(pick(i, KEYS.stored) as MachineInputs),
    ...pick(address, ["ipAddress", "resolvedBy", "resolution", "discoveredVia"]),
    ...pick(connection, [
      "hostname",
      "libvirtVersion",
      "hypervisorType",
      "hypervisorVersion",
      "connectionError",
    ]),
    resolvedBy: address.resolvedBy,
    ...pick({ libvirtUri: shownUri(libvirtUriOf(l, address)) }, ["libvirtUri"]),
    restartRequired,
    xmlDigest: digest(l.machine, OWN),
    stateVersion: 1 as const,
  };
}

/** The element `create` writes for these inputs (its `<user>` belongs to the MachineUser). */
function built(i: MachineInputs): XmlElement {
  const machine = newElement(MACHINES, newAttributes(SPEC, i));
  syncTextChildren([], machine, i);
  return machine;
}

/** The children a `Machine` writes itself: all but the `<user>`. */
const OWN = (c: XmlElement) => c.name !== USER;

/** How an existing machine of the new name is taken (see takeExisting), or ALREADY_EXISTS. */
function takeover(
  existing: MachineLocation,
  i: MachineInputs,
  resumable: boolean,
): "adopt" | "resume" {
  const conflict = () => alreadyExists(existing.machine, shownFile(i), existing.pool);
  if (getAttribute(existing.pool, "name") !== i.serverPool) throw conflict();
  return takeExisting(existing.machine, built(i), OWN, i.adopt, conflict, resumable);
}

/** The element's part of the ID, for the create journal. */
const element = (i: { name: string }) => idFragment(ID, i.name);

/**
 * What `check` asks of the file: a pool given by name is there and holds a fixed ip, the name is
 * free.
 */
const FILE_CHECK: FileCheck = {
  kind: SPEC.type,
  keys: INPUT_KEYS,
  replaceOn: REPLACE_ON,
  chain: CHAIN,
  probe: (raw, doc, step, text) => {
    const i = raw as unknown as MachineInputs;
    if (!step.creating) return [];
    const failures: CheckFailure[] = [];
    if (!isUnknown(i.serverPool) && !isUnknown(i.virtualization)) {
      const pool = findPool(doc, i.serverPool);
      if (pool && !isUnknown(i.ip))
        failures.push(...failureOf("ip", () => assertIpInPool(i, pool.pool)));
      if (!i.parentInProgram) {
        failures.push(
          ...failureOf("serverPool", () =>
            requirePool(doc, shownFile(i), i.serverPool, i.virtualization),
          ),
        );
      }
    }
    const lookup = !step.nameIsOurs && !isUnknown(raw) && mayHoldName(text, i.name);
    const existing = lookup ? findMachine(doc, i.name) : undefined;
    if (existing) {
      failures.push(...failureOf("name", () => takeover(existing, i, step.resumable)));
    }
    return failures;
  },
  element: (raw) => element(raw as unknown as MachineInputs),
};

/**
 * Validates and normalizes (MAC to lower-case colon form), every failure at once; then what the
 * write would meet in the file (see checkAgainstFile). Never the network: discovery and the
 * libvirt check run at up.
 */
export async function check(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> {
  const { inputs, failures } = checkFields(SPEC.fields, news);
  const reach = reachFailure(inputs);
  if (reach) failures.push(reach);
  if (failures.length === 0) failures.push(...duplicateFailures(inputs));
  if (failures.length === 0) failures.push(...(await checkAgainstFile(olds, inputs, FILE_CHECK)));
  return { inputs, failures };
}

/**
 * Explicit diff: file, parent chain and name replace; the rest updates in place. A pool given by
 * name or as the resource is the same identity.
 */
export const diff = diffOn(INPUT_KEYS, REPLACE_ON, CHAIN);

/** Makes the text children match the inputs, keeping GlassFish's order and the `<user>` last. */
function syncTextChildren(parents: XmlElement[], machine: XmlElement, i: MachineInputs): boolean {
  let changed = false;
  TEXT_CHILDREN.forEach(({ tag, input }, index) => {
    const want = i[input];
    const have = firstChildElement(machine, tag);
    if (want === undefined) {
      if (have) {
        removeChild(machine, have);
        changed = true;
      }
      return;
    }
    if (have) {
      changed = setText(have, want) || changed;
      return;
    }
    const later = [...TEXT_CHILDREN.slice(index + 1).map((t) => t.tag), USER];
    const next = childElements(machine).find((c) => later.includes(c.name));
    const el = newTextElement(tag, want);
    if (next) insertBefore(machine, el, next);
    else appendChild([...parents, machine], el);
    changed = true;
  });
  return changed;
}

/** Where the file puts the pool's subnet, checked against a fixed ip before writing. */
function assertIpInPool(i: MachineInputs, pool: XmlElement): void {
  const subnet = getAttribute(pool, "sub-net");
  if (i.ip === undefined || subnet === undefined) return;
  let inside = false;
  try {
    inside = isHostIn(i.ip, subnet);
  } catch {
    inside = false;
  }
  if (!inside) {
    throw new ImsError(
      "INVALID_INPUT",
      `ip "${i.ip}" of machine "${i.name}" is not a host address of server pool "${i.serverPool}" (sub-net ${subnet} in ${shownFile(i)})`,
    );
  }
}

/** Writes `<machines>` into its pool; nothing is written when any check fails. */
export async function create(
  given: MachineInputs,
  fx?: SweepEffects,
  virsh?: VirshRunner,
  progress?: Progress,
): Promise<{ id: string; outs: MachineOutputs }> {
  const inputs = validated(SPEC.type, SPEC.fields, given, reachFailures);
  const found = await address(inputs, fx ?? sweepEffectsOn(hostOf(inputs)), progress);
  const connection = await connectBeforeWriting(
    inputs,
    found,
    virsh ?? virshOn(hostOf(inputs)),
    progress,
  );
  const claim = await claimCreate(inputs, element(inputs));
  const { value } = await editIms(inputs, (doc) => {
    const l = requirePool(doc, shownFile(inputs), inputs.serverPool, inputs.virtualization);
    assertIpInPool(inputs, l.pool);
    const existing = findMachine(doc, inputs.name);
    if (existing && takeover(existing, inputs, claim.resumable) === "resume") {
      return { value: outputsOf(inputs, existing, true, found, connection), changed: false };
    }
    if (existing) {
      // Adoption takes the element as it is (see Virtualization): no write, the file's values.
      const infile = inputsInFile(inputs, existing);
      return { value: outputsOf(infile, existing, false, found, connection), changed: false };
    }
    const machine = newElement(MACHINES, newAttributes(SPEC, inputs));
    addMachine(doc, l, inputs.name, machine);
    syncTextChildren(poolPath(doc, l), machine, inputs);
    claim.wrote();
    return {
      value: outputsOf(inputs, { ...l, machine }, true, found, connection),
      changed: true,
    };
  }).catch(claim.undo);
  await cacheAddress(value);
  return { id: idOf(ID, inputs), outs: value };
}

/** Rewrites the location attributes and the network-name / ip-address / mac-address children. */
export async function update(
  _id: string,
  olds: MachineOutputs,
  given: MachineInputs,
  fx?: SweepEffects,
  virsh?: VirshRunner,
  progress?: Progress,
): Promise<{ outs: MachineOutputs }> {
  const news = validated(SPEC.type, SPEC.fields, given, reachFailures);
  const found = await address(news, fx ?? sweepEffectsOn(hostOf(news)), progress);
  const connection = await connectBeforeWriting(
    news,
    found,
    virsh ?? virshOn(hostOf(news)),
    progress,
  );
  const { value } = await editIms(news, (doc) => {
    const l = requirePool(doc, shownFile(news), news.serverPool, news.virtualization);
    assertIpInPool(news, l.pool);
    const located = findMachine(doc, olds.name);
    const machine = located?.pool === l.pool ? located.machine : undefined;
    if (!machine) {
      throw new ImsError(
        "PARENT_NOT_FOUND",
        `machine "${olds.name}" is gone from ${shownFile(news)}: run pulumi refresh, then pulumi up to recreate it`,
      );
    }
    const parents = poolPath(doc, l);
    let changed = setAttributes(machine, desiredAttributes(SPEC, news));
    changed = syncTextChildren(parents, machine, news) || changed;
    return {
      value: outputsOf(news, { ...l, machine }, changed, found, connection),
      changed,
    };
  });
  await cacheAddress(value);
  // The engine has the resource: its create is settled.
  await settle(news, element(olds));
  return { outs: value };
}

/**
 * The inputs as the file has them: attributes and text children that differ from what `old`
 * would write take the file's values; the parent chain is where the element sits.
 */
function inputsInFile(old: MachineInputs, l: MachineLocation): MachineInputs {
  const inputs = inputsFromFile(
    old,
    desiredAttributes(SPEC, old),
    getAttributes(l.machine),
    FIELDS,
  );
  for (const { tag, input, canonical } of TEXT_CHILDREN) {
    const el = firstChildElement(l.machine, tag);
    const have = el ? textOf(el) : undefined;
    const normalized = canonical && have !== undefined ? canonical(have) : have;
    if (normalized !== old[input]) inputs[input] = normalized;
  }
  inputs.serverPool = getAttribute(l.pool, "name") ?? old.serverPool;
  if (old.virtualization !== undefined) {
    inputs.virtualization = getAttribute(l.virtualization, "name") ?? old.virtualization;
  }
  return inputs;
}

/**
 * What the file says now; a machine removed by hand leaves the state. Works from the ID alone
 * (every value then comes from the file).
 */
export async function read(
  id: string,
  props: Partial<MachineOutputs>,
  fx?: SweepEffects,
  virsh?: VirshRunner,
  progress?: Progress,
): Promise<{ id?: string; props?: MachineOutputs; inputs?: MachineInputs }> {
  const ref = readTarget(id, props, ID.element);
  const { doc } = await readDomain(domainAt(ref));
  const l = findMachine(doc, ref.name);
  if (!l) {
    await settle(ref, element(ref), true);
    return {};
  }
  const old = !ref.fromId
    ? (pick(props, KEYS.stored) as MachineInputs)
    : ({ domainXml: ref.domainXml, name: ref.name, virtualization: "" } as MachineInputs);
  const inputs = inputsInFile(old, l);
  // Refresh looks again: a moved machine shows as changed output, a silent one as unresolved.
  let found: Address;
  try {
    found = await address(inputs, fx ?? sweepEffectsOn(hostOf(ref)), progress);
  } catch (e) {
    found = { resolvedBy: "unresolved", resolution: (e as Error).message };
  }
  // ... and connects again: a broken connection shows as connectionError, not as a failed refresh.
  let connection: Connection;
  try {
    connection = await connect(
      inputs,
      libvirtUriOf(l, found),
      virsh ?? virshOn(hostOf(ref)),
      progress,
    );
  } catch (e) {
    connection = { connectionError: (e as Error).message };
  }
  const outs = outputsOf(inputs, l, props.restartRequired ?? false, found, connection);
  await cacheAddress(outs);
  return { id, props: outs, inputs };
}

/** Removes the machine; refused while it holds a user or elements this stack does not manage. */
export async function remove(_id: string, props: MachineOutputs): Promise<void> {
  await editDomain(domainAt(props), (doc) => {
    const l = findMachine(doc, props.name);
    if (!l) return { value: undefined, changed: false };
    const known = TEXT_CHILDREN.map((t) => t.tag);
    const held = childElements(l.machine).filter((c) => !known.includes(c.name));
    if (held.length > 0) {
      throw new ImsError(
        "NOT_OWNED",
        stillHolds({
          element: describe(l.machine),
          file: shownFile(props),
          children: held.map(describe),
          parentInput: "machine",
          byHand: "edit domain.xml while the domain is stopped",
          noun: "machine",
        }),
      );
    }
    removeMachine(doc, props.name, l);
    return { value: undefined, changed: true };
  });
  await settle(props, element(props), true);
  if (props.resolvedBy === "mac")
    await setCachedIp(props.domainXml, props.serverPool, props.name, undefined, hostOf(props));
}
