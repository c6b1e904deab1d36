import { getAttribute, getAttributes, setAttributes } from "../domain/attrs";
import type { DasConnection } from "../remote/connection";
import { connectionField, domainAt, shownFile } from "./das-host";
import { findMachine, findPool, poolPath, USER } from "../domain/ims";
import { editDomain, readDomain } from "../store/store";
import { appendChild, newElement, removeChild } from "../domain/tree";
import { firstChildElement, type XmlDocument, type XmlElement } from "../domain/xml";
import { diffOn, digest, editIms, inputsFromFile, pick } from "./common";
import {
  adoptField,
  allowUnsupportedField,
  attributeFields,
  checkFields,
  COMMON_OUTPUTS,
  desiredAttributes,
  keysOf,
  parentInProgramField,
  type FieldTable,
  type Keys,
  type OutputsOnly,
  type OutputTable,
  type ResourceSpec,
  validated,
} from "./fields";
import { alreadyExists, readTarget, requireMachine, requirePool, takeExisting } from "./locate";
import { idFragment, idOf, type ElementId } from "./ids";
import { claimCreate, settle } from "./journal";
import { checkAgainstFile, failureOf, type FileCheck } from "./preview";
import {
  AUTH_METHODS,
  domainXmlRule,
  idRule,
  isUnknown,
  nameRule,
  oneOfRule,
  unixUserRule,
  type CheckFailure,
} from "./rules";

/** Plain inputs of a `PoolUser` (no `machine`) or a `MachineUser`. */
export interface UserInputs {
  domainXml: string;
  virtualization?: string;
  serverPool?: string;
  machine?: string;
  name: string;
  userId: number;
  groupId: number;
  authMethod?: string;
  adopt?: boolean;
  /** Write IMS configuration even into a domain stamped by a GlassFish without IMS. */
  allowUnsupportedGlassFish?: boolean;
  /** The DAS host that holds domainXml; absent: this machine. */
  connection?: DasConnection;
  /** Set by the SDK when the parent comes from the program (it may not be in the file at preview). */
  parentInProgram?: boolean;
}

/** What a user resource records in the state. */
export interface UserOutputs extends UserInputs {
  restartRequired: boolean;
  xmlDigest: string;
  stateVersion: 1;
}

/** The inputs of a `PoolUser`: a user element of a pool has no `machine`. */
type PoolUserInputs = Omit<UserInputs, "machine">;

/** The outputs of both user resources beyond their inputs. */
type UserOutputsOnly = OutputsOnly<UserOutputs, UserInputs>;

/** The fields both user resources have, in order; `parent` names where domainXml comes from. */
function userFields(parent: string): FieldTable<Omit<PoolUserInputs, "serverPool">> {
  return {
    domainXml: {
      type: "string",
      doc: "path of domain.xml",
      required: true,
      default: `from \`${parent}\``,
      rule: domainXmlRule,
      change: "replace",
      trim: true,
    },
    virtualization: {
      type: "string",
      doc: `IMS name of the virtualization (set by the SDK when \`${parent}\` is the resource)`,
      rule: nameRule,
      change: "replace",
      ancestor: true,
      trim: true,
      exposure: "parent",
    },
    name: {
      type: "string",
      doc: "unix user name (`[a-z_][a-z0-9_-]{0,31}`)",
      required: true,
      default: "the resource name",
      xml: { attr: "name" },
      absent: "",
      rule: unixUserRule,
      change: "update",
      trim: true,
    },
    userId: {
      type: "integer",
      doc: "unix user id, 0 to 4294967294",
      required: true,
      xml: { attr: "user-id" },
      absent: -1,
      rule: idRule,
      change: "update",
    },
    groupId: {
      type: "integer",
      doc: "unix group id, 0 to 4294967294",
      required: true,
      xml: { attr: "group-id" },
      absent: -1,
      rule: idRule,
      change: "update",
    },
    authMethod: {
      type: "string",
      doc: 'libvirt transport: `ssh`, `libssh`, `libssh2`, `tls`, `tcp`, `unix`, or `""` for none',
      default: "`ssh` (not written unless set)",
      xml: { attr: "auth-method" },
      rule: (p) => oneOfRule(p, AUTH_METHODS),
      change: "update",
    },
    adopt: {
      ...adoptField<PoolUserInputs>("user"),
      doc: "take over a user that is already set instead of failing with ALREADY_EXISTS",
    },
    allowUnsupportedGlassFish: allowUnsupportedField(),
    connection: connectionField(),
    parentInProgram: parentInProgramField(),
  };
}

/** The outputs of both user resources. */
const USER_OUTPUTS: OutputTable<UserOutputsOnly> = COMMON_OUTPUTS;

/** A PoolUser's resource ID: `<domainXml>#server-pool/<pool>/user`. */
const POOL_USER_ID = {
  element: "server-pool",
  by: "serverPool",
  user: true,
} as const satisfies ElementId;

/** A MachineUser's resource ID: `<domainXml>#machines/<machine>/user`. */
const MACHINE_USER_ID = {
  element: "machines",
  by: "machine",
  user: true,
} as const satisfies ElementId;

/** The fields of a `PoolUser`, declared once. */
export const POOL_USER_SPEC: ResourceSpec<PoolUserInputs, UserOutputsOnly> = {
  type: "PoolUser",
  id: POOL_USER_ID,
  parent: { kind: "ServerPool", property: "serverPool" },
  doc: "The pool's `<user>`: what `asadmin create-server-pool-user` sets. The element is mandatory, so delete empties it again. Changing the pool replaces; the rest (the name too) updates in place.",
  fields: {
    ...userFields("serverPool"),
    serverPool: {
      type: "string",
      doc: "the `ServerPool`, or its IMS name",
      required: true,
      rule: nameRule,
      change: "replace",
      trim: true,
    },
  },
  outputs: USER_OUTPUTS,
};

/** The fields of a `MachineUser`, declared once. */
export const MACHINE_USER_SPEC: ResourceSpec<UserInputs, UserOutputsOnly> = {
  type: "MachineUser",
  id: MACHINE_USER_ID,
  parent: { kind: "Machine", property: "machine" },
  doc: "The machine's optional `<user>`: what `asadmin create-machine-user` adds. Changing the machine replaces; the rest (the name too) updates in place.",
  fields: {
    ...userFields("machine"),
    serverPool: {
      type: "string",
      doc: "IMS name of the machine's pool, when `machine` is given by name (optional)",
      rule: nameRule,
      change: "replace",
      ancestor: true,
      trim: true,
    },
    machine: {
      type: "string",
      doc: "the `Machine`, or its IMS name",
      required: true,
      rule: nameRule,
      change: "replace",
      trim: true,
    },
  },
  outputs: USER_OUTPUTS,
};

/** One kind of user: where its `<user>` lives and whether the element stays when it is deleted. */
interface UserKind {
  kind: "pool" | "machine";
  /** Its fields; a pool's user reads `machine` as absent. */
  spec: ResourceSpec<PoolUserInputs, UserOutputsOnly>;
  /** The key lists of its fields. */
  keys: Keys<PoolUserInputs>;
  /** The input naming the direct parent. */
  parentKey: "serverPool" | "machine";
  /** Its resource ID's form (named by `parentKey`). */
  id: ElementId;
  /** The parent element and its ancestors (root first) from the inputs; throws when missing. */
  parent(doc: XmlDocument, i: UserInputs): XmlElement[];
  /** The parent if it is still there (for read and delete). */
  findParent(doc: XmlDocument, i: UserInputs): XmlElement | undefined;
  /** The ancestors' names where the parent sits (for a read from the ID alone). */
  chainOf(doc: XmlDocument, i: UserInputs): Partial<UserInputs>;
}

const POOL: UserKind = {
  kind: "pool",
  spec: POOL_USER_SPEC,
  keys: keysOf(POOL_USER_SPEC.fields),
  parentKey: "serverPool",
  id: POOL_USER_ID,
  parent: (doc, i) => {
    const l = requirePool(doc, shownFile(i), i.serverPool as string, i.virtualization);
    return poolPath(doc, l);
  },
  findParent: (doc, i) => findPool(doc, i.serverPool as string)?.pool,
  chainOf: (doc, i) => {
    const l = findPool(doc, i.serverPool as string);
    return { virtualization: l && getAttribute(l.virtualization, "name") };
  },
};

const MACHINE: UserKind = {
  kind: "machine",
  spec: MACHINE_USER_SPEC,
  keys: keysOf(MACHINE_USER_SPEC.fields),
  parentKey: "machine",
  id: MACHINE_USER_ID,
  parent: (doc, i) => {
    const l = requireMachine(doc, shownFile(i), i.machine as string, i.serverPool);
    return [...poolPath(doc, l), l.machine];
  },
  findParent: (doc, i) => findMachine(doc, i.machine as string)?.machine,
  chainOf: (doc, i) => {
    const l = findMachine(doc, i.machine as string);
    return {
      virtualization: l && getAttribute(l.virtualization, "name"),
      serverPool: l && getAttribute(l.pool, "name"),
    };
  },
};

function outputsOf(k: UserKind, i: UserInputs, el: XmlElement, restart: boolean): UserOutputs {
  return {
    ...(pick(i, k.keys.stored) as UserInputs),
    restartRequired: restart,
    xmlDigest: digest(el, () => true),
    stateVersion: 1,
  };
}

function userOf(parent: XmlElement): XmlElement | undefined {
  return firstChildElement(parent, USER);
}

/**
 * How an existing `<user>` with a name is taken (with `adopt`, or when it is exactly what an
 * interrupted run of this create wrote), or ALREADY_EXISTS.
 */
function takeover(
  k: UserKind,
  user: XmlElement,
  parent: XmlElement,
  i: UserInputs,
  resumable: boolean,
): "adopt" | "resume" {
  return takeExisting(
    user,
    newElement(USER, desiredAttributes(k.spec, i)),
    () => true,
    i.adopt,
    () => alreadyExists(user, shownFile(i), parent),
    resumable,
  );
}

/** The user element's part of the ID, for the create journal. */
function elementOf(k: UserKind, i: Partial<UserInputs>): string {
  return idFragment(k.id, i[k.parentKey]);
}

/** True when a user element is set (a pool's mandatory `<user/>` is there but empty). */
function isTaken(k: UserKind, user: XmlElement | undefined): user is XmlElement {
  return user !== undefined && (k.kind === "machine" || getAttribute(user, "name") !== undefined);
}

function makeProvider(k: UserKind) {
  const { keys } = k;
  const fields = attributeFields(k.spec.fields);

  /** What `check` asks of the file: a parent given by name is there, its user not set. */
  const fileCheck: FileCheck = {
    kind: k.spec.type,
    // A user element is the slot of its parent.
    keyedBy: k.parentKey,
    keys: keys.diff,
    replaceOn: keys.replace,
    chain: keys.ancestors,
    probe: (raw, doc, step) => {
      const i = raw as unknown as UserInputs;
      if (!step.creating || isUnknown(raw)) return [];
      let parents: XmlElement[] | undefined;
      const missing = failureOf(k.parentKey, () => (parents = k.parent(doc, i)));
      const failures = i.parentInProgram ? [] : missing;
      const parent = parents?.[parents.length - 1];
      const user = parent && userOf(parent);
      if (parent && isTaken(k, user) && !step.nameIsOurs) {
        failures.push(...failureOf("name", () => takeover(k, user, parent, i, step.resumable)));
      }
      return failures;
    },
    element: (raw) => elementOf(k, raw as unknown as UserInputs),
  };

  const check = async (
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> => {
    const { inputs, failures } = checkFields(k.spec.fields, news);
    if (failures.length === 0) failures.push(...(await checkAgainstFile(olds, inputs, fileCheck)));
    return { inputs, failures };
  };

  const diff = diffOn(keys.diff, keys.replace, keys.ancestors);

  const create = async (given: UserInputs): Promise<{ id: string; outs: UserOutputs }> => {
    const inputs = validated(k.spec.type, k.spec.fields, given);
    const claim = await claimCreate(inputs, elementOf(k, inputs));
    const { value } = await editIms(inputs, (doc) => {
      const parents = k.parent(doc, inputs);
      const parent = parents[parents.length - 1];
      let user = userOf(parent);
      if (isTaken(k, user) && takeover(k, user, parent, inputs, claim.resumable) === "resume") {
        return { value: outputsOf(k, inputs, user, true), changed: false };
      }
      if (isTaken(k, user)) {
        // Adoption takes the element as it is (see Virtualization): no write, the file's values.
        const found = inputsFromFile(
          inputs,
          desiredAttributes(k.spec, inputs),
          getAttributes(user),
          fields,
        );
        return { value: outputsOf(k, found, user, false), changed: false };
      }
      if (!user) {
        user = newElement(USER);
        appendChild(parents, user);
      }
      setAttributes(user, desiredAttributes(k.spec, inputs));
      claim.wrote();
      return { value: outputsOf(k, inputs, user, true), changed: true };
    }).catch(claim.undo);
    return { id: idOf(k.id, inputs), outs: value };
  };

  const update = async (
    _id: string,
    _olds: UserOutputs,
    given: UserInputs,
  ): Promise<{ outs: UserOutputs }> => {
    const news = validated(k.spec.type, k.spec.fields, given);
    const { value } = await editIms(news, (doc) => {
      const parents = k.parent(doc, news);
      const parent = parents[parents.length - 1];
      let user = userOf(parent);
      let changed = false;
      if (!user) {
        user = newElement(USER);
        appendChild(parents, user);
        changed = true;
      }
      changed = setAttributes(user, desiredAttributes(k.spec, news)) || changed;
      return { value: outputsOf(k, news, user, changed), changed };
    });
    // The engine has the resource: its create is settled.
    await settle(news, elementOf(k, news));
    return { outs: value };
  };

  /** What the file says now; works from the ID alone (every value then comes from the file). */
  const read = async (
    id: string,
    props: Partial<UserOutputs>,
  ): Promise<{ id?: string; props?: UserOutputs; inputs?: UserInputs }> => {
    const ref = readTarget(
      id,
      { domainXml: props.domainXml, name: props[k.parentKey] },
      k.id.element,
      true,
    );
    const known = !ref.fromId;
    // From the ID alone, every value comes from the file (an empty start differs from all).
    let old: UserInputs = known
      ? (pick(props as UserInputs, keys.stored) as UserInputs)
      : { domainXml: ref.domainXml, [k.parentKey]: ref.name, name: "", userId: -1, groupId: -1 };
    const { doc } = await readDomain(domainAt(old));
    const parent = k.findParent(doc, old);
    const user = parent && userOf(parent);
    if (!user || getAttribute(user, "name") === undefined) {
      await settle(old, elementOf(k, old), true);
      return {};
    }
    if (!known) old = { ...old, ...k.chainOf(doc, old) };
    const inputs = inputsFromFile(old, desiredAttributes(k.spec, old), getAttributes(user), fields);
    return { id, props: outputsOf(k, inputs, user, props.restartRequired ?? false), inputs };
  };

  /** A pool's `<user>` is mandatory: it is emptied; a machine's is removed. */
  const remove = async (_id: string, props: UserOutputs): Promise<void> => {
    await editDomain(domainAt(props), (doc) => {
      const parent = k.findParent(doc, props);
      const user = parent && userOf(parent);
      if (!parent || !user) return { value: undefined, changed: false };
      if (k.kind === "machine") {
        removeChild(parent, user);
        return { value: undefined, changed: true };
      }
      const changed = setAttributes(
        user,
        fields.map((f) => [f.attr, undefined]),
      );
      return { value: undefined, changed };
    });
    await settle(props, elementOf(k, props), true);
  };

  return { check, diff, create, update, read, remove };
}

/** The provider of `PoolUser`: the pool's mandatory `<user>`, set on create, emptied on delete. */
export const poolUser = makeProvider(POOL);

/** The provider of `MachineUser`: the machine's optional `<user>`. */
export const machineUser = makeProvider(MACHINE);
