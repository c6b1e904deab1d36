import { getAttribute, getAttributes, setAttributes } from "../domain/attrs";
import type { DasConnection } from "../remote/connection";
import type { NetworkInterfaceInfo } from "os";
import { connectionField, domainAt, hostOf, type Located, shownFile } from "./das-host";
import {
  addInNameOrder,
  describe,
  ensureVirtualizations,
  findPool,
  MACHINES,
  SERVER_POOL,
  USER,
  virtualizationPath,
  type PoolLocation,
} from "../domain/ims";
import { editDomain, readDomain } from "../store/store";
import { appendChild, collapseIfEmptied, newElement, removeChild } from "../domain/tree";
import { childElements, type XmlElement } from "../domain/xml";
import { ImsError } from "../errors";
import { parseSubnet } from "../net/address";
import { choosePort } from "../net/neighbours";
import { sweepEffectsOn } from "../net/host-sweep";
import type { SweepEffects } from "../net/sweep";
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
  type OutputsOnly,
  type ResourceSpec,
  validated,
} from "./fields";
import {
  alreadyExists,
  readTarget,
  requirePool,
  requireVirtualization,
  takeExisting,
} from "./locate";
import { idFragment, idOf, type ElementId } from "./ids";
import { claimCreate, settle } from "./journal";
import { checkAgainstFile, failureOf, type FileCheck } from "./preview";
import {
  domainXmlRule,
  isUnknown,
  nameRule,
  portNamesRule,
  subnetRule,
  type CheckFailure,
} from "./rules";

/** Plain inputs of a `ServerPool`. */
export interface ServerPoolInputs {
  domainXml: string;
  virtualization: string;
  name: string;
  subnet: string;
  portNames: string[];
  adopt?: boolean;
  /** Write IMS configuration even into a domain stamped by a GlassFish without IMS. */
  allowUnsupportedGlassFish?: boolean;
  /** The DAS host that holds domainXml; absent: this machine. */
  connection?: DasConnection;
  /** Set by the SDK when the parent comes from the program (it may not be in the file at preview). */
  parentInProgram?: boolean;
}

/** What a `ServerPool` records in the state. */
export interface ServerPoolOutputs extends ServerPoolInputs {
  /** The DAS address on the first pool port that has one in the subnet ("group master"). */
  dasAddress?: string;
  /** The port `dasAddress` is on. */
  dasPort?: string;
  /** Why there is no DAS address, when there is none. */
  dasResolution?: string;
  restartRequired: boolean;
  xmlDigest: string;
  stateVersion: 1;
}

/** Its resource ID: `<domainXml>#server-pool/<name>`. */
const ID = { element: "server-pool", by: "name" } as const satisfies ElementId;

/** The fields of a `ServerPool`, declared once. */
export const SPEC: ResourceSpec<
  ServerPoolInputs,
  OutputsOnly<ServerPoolOutputs, ServerPoolInputs>
> = {
  type: "ServerPool",
  id: ID,
  parent: { kind: "Virtualization", property: "virtualization" },
  doc: "A `<server-pool>` with its mandatory `<user/>`: what `asadmin create-server-pool` creates. Changing `domainXml`, `virtualization` or `name` replaces it (deleting first: pool names are unique); `subnet` and `portNames` update in place.",
  // GlassFish's own writer puts port-name first.
  attributeOrder: ["port-name", "sub-net"],
  fields: {
    domainXml: {
      type: "string",
      doc: "path of domain.xml",
      required: true,
      default: "from `virtualization`",
      rule: domainXmlRule,
      change: "replace",
      trim: true,
    },
    virtualization: {
      type: "string",
      doc: "the `Virtualization` the pool belongs to, or its IMS name",
      required: true,
      rule: nameRule,
      change: "replace",
      trim: true,
    },
    name: {
      type: "string",
      doc: "IMS name of the pool, unique among the domain's pools",
      required: true,
      default: "the resource name",
      xml: { attr: "name", key: true },
      rule: nameRule,
      change: "replace",
      trim: true,
    },
    subnet: {
      type: "string",
      doc: "IPv4 subnet in CIDR form, the network address (`10.132.181.0/24`), /8 to /30; stored in canonical form",
      required: true,
      xml: { attr: "sub-net" },
      absent: "",
      rule: subnetRule,
      change: "update",
      trim: true,
      canonical: (v) => parseSubnet(v).subnet?.cidr ?? v,
    },
    portNames: {
      type: "string[]",
      doc: 'network interfaces of the DAS host, in the order they are tried (`["cscotun0", "br0"]`); written `;`-joined',
      required: true,
      xml: { attr: "port-name" },
      absent: [],
      rule: portNamesRule,
      change: "update",
      trim: true,
    },
    adopt: adoptField("`<server-pool>`"),
    allowUnsupportedGlassFish: allowUnsupportedField(),
    connection: connectionField(),
    parentInProgram: parentInProgramField(),
  },
  outputs: {
    dasAddress: {
      type: "string",
      doc: 'the DAS address on the first pool port that has one in the subnet (the "group master" address)',
      optional: true,
    },
    dasPort: { type: "string", doc: "the port `dasAddress` is on", optional: true },
    dasResolution: {
      type: "string",
      doc: "why there is no DAS address, when there is none",
      optional: true,
    },
    ...COMMON_OUTPUTS,
  },
};

const KEYS = keysOf(SPEC.fields);

/** Input keys, in the order they are compared. */
export const INPUT_KEYS = KEYS.diff;

/** Identity: the file, the parent and the name. */
export const REPLACE_ON = KEYS.replace;

const FIELDS = attributeFields(SPEC.fields);

/** The DAS host's interfaces, or why they could not be read (the outputs say so, nothing fails). */
type Ports = { interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> } | { unreadable: string };

/** The interfaces of the host that holds the pool's domain.xml (`fx` when a test gives one). */
async function portsOf(i: Located, fx?: SweepEffects): Promise<Ports> {
  try {
    return { interfaces: await (fx ?? sweepEffectsOn(hostOf(i))).interfaces() };
  } catch (e) {
    return { unreadable: (e as Error).message };
  }
}

function outputsOf(
  i: ServerPoolInputs,
  el: XmlElement,
  restartRequired: boolean,
  ports: Ports,
): ServerPoolOutputs {
  const { chosen, problems } =
    "unreadable" in ports
      ? { chosen: undefined, problems: [ports.unreadable] }
      : choosePort(i.portNames, ports.interfaces, i.subnet);
  const das = chosen
    ? { dasAddress: chosen.address, dasPort: chosen.port }
    : {
        dasResolution: `no port of this host has an address in ${i.subnet}: ${problems.join("; ")}`,
      };
  return {
    ...(pick(i, KEYS.stored) as ServerPoolInputs),
    ...das,
    restartRequired,
    xmlDigest: digest(el),
    stateVersion: 1,
  };
}

/** The element `create` writes for these inputs (its `<user/>` belongs to the PoolUser). */
function built(i: ServerPoolInputs): XmlElement {
  return newElement(SERVER_POOL, newAttributes(SPEC, i));
}

/** How an existing pool of the new name is taken (see takeExisting), or ALREADY_EXISTS. */
function takeover(l: PoolLocation, i: ServerPoolInputs, resumable: boolean): "adopt" | "resume" {
  const conflict = () => alreadyExists(l.pool, shownFile(i), l.virtualization);
  if (getAttribute(l.virtualization, "name") !== i.virtualization) throw conflict();
  return takeExisting(l.pool, built(i), () => false, i.adopt, conflict, resumable);
}

/** The element's part of the ID, for the create journal. */
const element = (i: { name: string }) => idFragment(ID, i.name);

/** What `check` asks of the file: a virtualization given by name is there, the name is free. */
const FILE_CHECK: FileCheck = {
  kind: SPEC.type,
  keys: INPUT_KEYS,
  replaceOn: REPLACE_ON,
  probe: (raw, doc, step) => {
    const i = raw as unknown as ServerPoolInputs;
    if (!step.creating) return [];
    const failures =
      i.parentInProgram || isUnknown(i.virtualization)
        ? []
        : failureOf("virtualization", () =>
            requireVirtualization(doc, shownFile(i), i.virtualization),
          );
    const existing = step.nameIsOurs || isUnknown(raw) ? undefined : findPool(doc, i.name);
    if (existing) {
      failures.push(...failureOf("name", () => takeover(existing, i, step.resumable)));
    }
    return failures;
  },
  element: (raw) => element(raw as unknown as ServerPoolInputs),
};

/**
 * Validates and normalizes (trimmed names, canonical CIDR), every failure at once; then what the
 * write would meet in the file (see checkAgainstFile).
 */
export async function check(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> {
  const { inputs, failures } = checkFields(SPEC.fields, news);
  if (failures.length === 0) failures.push(...(await checkAgainstFile(olds, inputs, FILE_CHECK)));
  return { inputs, failures };
}

/** Explicit diff: file, virtualization and name replace (deleting first: pool names are unique). */
export const diff = diffOn(INPUT_KEYS, REPLACE_ON);

/**
 * Writes `<server-pool>` with its mandatory empty `<user/>`, or takes over an existing one (with
 * `adopt`, or when it is what an interrupted run of this create wrote).
 */
export async function create(
  given: ServerPoolInputs,
  fx?: SweepEffects,
): Promise<{ id: string; outs: ServerPoolOutputs }> {
  const inputs = validated(SPEC.type, SPEC.fields, given);
  const ports = await portsOf(inputs, fx);
  const claim = await claimCreate(inputs, element(inputs));
  const { value } = await editIms(inputs, (doc) => {
    const virt = requireVirtualization(doc, shownFile(inputs), inputs.virtualization);
    const existing = findPool(doc, inputs.name);
    if (existing && takeover(existing, inputs, claim.resumable) === "resume") {
      return { value: outputsOf(inputs, existing.pool, true, ports), changed: false };
    }
    if (existing) {
      // Adoption takes the element as it is (see Virtualization): no write, the file's values.
      const found = inputsFromFile(
        inputs,
        desiredAttributes(SPEC, inputs),
        getAttributes(existing.pool),
        FIELDS,
      );
      return { value: outputsOf(found, existing.pool, false, ports), changed: false };
    }
    const pool = built(inputs);
    const parents = virtualizationPath(doc, virt);
    addInNameOrder(parents, pool);
    appendChild([...parents, pool], newElement(USER));
    claim.wrote();
    return { value: outputsOf(inputs, pool, true, ports), changed: true };
  }).catch(claim.undo);
  return { id: idOf(ID, inputs), outs: value };
}

/** Rewrites `port-name` and `sub-net`; the pool's user and machines stay as they are. */
export async function update(
  _id: string,
  olds: ServerPoolOutputs,
  given: ServerPoolInputs,
  fx?: SweepEffects,
): Promise<{ outs: ServerPoolOutputs }> {
  const news = validated(SPEC.type, SPEC.fields, given);
  const ports = await portsOf(news, fx);
  const { value } = await editIms(news, (doc) => {
    const { pool } = requirePool(doc, shownFile(news), olds.name, news.virtualization);
    const changed = setAttributes(pool, desiredAttributes(SPEC, news));
    return { value: outputsOf(news, pool, changed, ports), changed };
  });
  // The engine has the resource: its create is settled.
  await settle(news, element(olds));
  return { outs: value };
}

/** What the file says now; a pool removed by hand leaves the state. */
export async function read(
  id: string,
  props: Partial<ServerPoolOutputs>,
  fx?: SweepEffects,
): Promise<{ id?: string; props?: ServerPoolOutputs; inputs?: ServerPoolInputs }> {
  const ref = readTarget(id, props, ID.element);
  const { doc } = await readDomain(domainAt(ref));
  const l = findPool(doc, ref.name);
  if (!l) {
    await settle(ref, element(ref), true);
    return {};
  }
  // From the ID alone, every value comes from the file (an empty start differs from all of them).
  const old = !ref.fromId
    ? (pick(props, KEYS.stored) as ServerPoolInputs)
    : ({
        domainXml: ref.domainXml,
        name: ref.name,
        subnet: "",
        portNames: [],
      } as unknown as ServerPoolInputs);
  const inputs = inputsFromFile(old, desiredAttributes(SPEC, old), getAttributes(l.pool), FIELDS);
  inputs.virtualization = getAttribute(l.virtualization, "name") ?? old.virtualization;
  return {
    id,
    props: outputsOf(inputs, l.pool, props.restartRequired ?? false, await portsOf(ref, fx)),
    inputs,
  };
}

/**
 * Removes the pool. Refused while it holds machines, or a user with a name (a `PoolUser` of the
 * stack is deleted before its pool), since those are not this resource's to delete.
 */
export async function remove(_id: string, props: ServerPoolOutputs): Promise<void> {
  await editDomain(domainAt(props), (doc) => {
    const l = findPool(doc, props.name);
    if (!l) return { value: undefined, changed: false };
    const held = childElements(l.pool).filter(
      (c) => c.name === MACHINES || (c.name === USER && getAttribute(c, "name") !== undefined),
    );
    const other = childElements(l.pool).filter((c) => c.name !== MACHINES && c.name !== USER);
    if (held.length > 0 || other.length > 0) {
      throw new ImsError(
        "NOT_OWNED",
        stillHolds({
          element: describe(l.pool),
          file: shownFile(props),
          children: [...held, ...other].map(describe),
          parentInput: "serverPool",
          byHand: "asadmin delete-machine ...",
          noun: "pool",
        }),
      );
    }
    removeChild(l.virtualization, l.pool);
    collapseIfEmptied(ensureVirtualizations(doc), l.virtualization);
    return { value: undefined, changed: true };
  });
  await settle(props, element(props), true);
}
