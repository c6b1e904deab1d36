import { getAttribute, getAttributes, setAttributes } from "../domain/attrs";
import { findMachine, findPool, poolPath, USER } from "../domain/ims";
import { editDomain, readDomain } from "../domain/store";
import { appendChild, newElement, removeChild } from "../domain/tree";
import { childElements, type XmlDocument, type XmlElement } from "../domain/xml";
import {
  diffOn,
  editIms,
  normalizeInputs,
  digest,
  inputsFromFile,
  integerOrRaw,
  pick,
  type AttributeField,
} from "./common";
import { alreadyExists, readTarget, requireMachine, requirePool, takeExisting } from "./locate";
import { checkAgainstFile, failureOf, type FileCheck } from "./preview";
import {
  AUTH_METHODS,
  booleanRule,
  domainXmlRule,
  idRule,
  isUnknown,
  nameRule,
  oneOfRule,
  runRules,
  unixUserRule,
  type CheckFailure,
  type Rule,
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
  /** Set by the SDK when the parent comes from the program (it may not be in the file at preview). */
  parentInProgram?: boolean;
}

/** What a user resource records in the state. */
export interface UserOutputs extends UserInputs {
  restartRequired: boolean;
  xmlDigest: string;
  stateVersion: 1;
}

const COMMON_KEYS = ["domainXml", "virtualization", "serverPool"] as const;
const VALUE_KEYS = ["name", "userId", "groupId", "authMethod", "adopt"] as const;

const FIELDS: readonly AttributeField[] = [
  { input: "name", attr: "name", absent: "" },
  { input: "userId", attr: "user-id", parse: integerOrRaw, absent: -1 },
  { input: "groupId", attr: "group-id", parse: integerOrRaw, absent: -1 },
  { input: "authMethod", attr: "auth-method", absent: undefined },
];

function desiredAttributes(i: UserInputs): Array<[string, string | undefined]> {
  return [
    ["name", i.name],
    ["user-id", String(i.userId)],
    ["group-id", String(i.groupId)],
    ["auth-method", i.authMethod],
  ];
}

/** One kind of user: where its `<user>` lives and whether the element stays when it is deleted. */
interface UserKind {
  kind: "pool" | "machine";
  keys: readonly string[];
  replaceOn: readonly string[];
  /** Ancestors the SDK knows only from a parent resource: compared when both sides have them. */
  chain: readonly string[];
  /** The input naming the direct parent. */
  parentKey: "serverPool" | "machine";
  rules: readonly Rule[];
  /** The parent element and its ancestors (root first) from the inputs; throws when missing. */
  parent(doc: XmlDocument, i: UserInputs): XmlElement[];
  /** The parent if it is still there (for read and delete). */
  findParent(doc: XmlDocument, i: UserInputs): XmlElement | undefined;
  /** The ancestors' names where the parent sits (for a read from the ID alone). */
  chainOf(doc: XmlDocument, i: UserInputs): Partial<UserInputs>;
}

const BASE_RULES: readonly Rule[] = [
  domainXmlRule(),
  nameRule("virtualization", false),
  unixUserRule("name"),
  idRule("userId"),
  idRule("groupId"),
  oneOfRule("authMethod", AUTH_METHODS),
  booleanRule("adopt"),
  booleanRule("allowUnsupportedGlassFish"),
  booleanRule("parentInProgram"),
];

const POOL: UserKind = {
  kind: "pool",
  keys: [...COMMON_KEYS, ...VALUE_KEYS],
  replaceOn: ["domainXml", "virtualization", "serverPool"],
  chain: ["virtualization"],
  parentKey: "serverPool",
  rules: [...BASE_RULES, nameRule("serverPool")],
  parent: (doc, i) => {
    const l = requirePool(doc, i.domainXml, i.serverPool as string, i.virtualization);
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
  keys: [...COMMON_KEYS, "machine", ...VALUE_KEYS],
  replaceOn: ["domainXml", "virtualization", "serverPool", "machine"],
  chain: ["virtualization", "serverPool"],
  parentKey: "machine",
  rules: [...BASE_RULES, nameRule("serverPool", false), nameRule("machine")],
  parent: (doc, i) => {
    const l = requireMachine(doc, i.domainXml, i.machine as string, i.serverPool);
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
    ...(pick(i, k.keys as (keyof UserInputs)[]) as UserInputs),
    restartRequired: restart,
    xmlDigest: digest(el, () => true),
    stateVersion: 1,
  };
}

function userOf(parent: XmlElement): XmlElement | undefined {
  return childElements(parent, USER)[0];
}

/**
 * How an existing `<user>` with a name is taken (with `adopt`, or when it is exactly what an
 * interrupted run of this create wrote), or ALREADY_EXISTS.
 */
function takeover(user: XmlElement, parent: XmlElement, i: UserInputs): "adopt" | "resume" {
  return takeExisting(
    user,
    newElement(USER, desiredAttributes(i)),
    () => true,
    i.adopt,
    () => alreadyExists(user, i.domainXml, parent),
  );
}

/** True when a user element is set (a pool's mandatory `<user/>` is there but empty). */
function isTaken(k: UserKind, user: XmlElement | undefined): user is XmlElement {
  return user !== undefined && (k.kind === "machine" || getAttribute(user, "name") !== undefined);
}

function makeProvider(k: UserKind) {
  /** What `check` asks of the file: a parent given by name is there, its user not set. */
  const fileCheck: FileCheck = {
    kind: k.kind === "pool" ? "PoolUser" : "MachineUser",
    // A user element is the slot of its parent.
    keyedBy: k.parentKey,
    keys: k.keys,
    replaceOn: k.replaceOn,
    chain: k.chain,
    probe: (raw, doc, step) => {
      const i = raw as unknown as UserInputs;
      if (!step.creating || isUnknown(raw)) return [];
      let parents: XmlElement[] | undefined;
      const missing = failureOf(k.parentKey, () => (parents = k.parent(doc, i)));
      const failures = i.parentInProgram ? [] : missing;
      const parent = parents?.[parents.length - 1];
      const user = parent && userOf(parent);
      if (parent && isTaken(k, user) && !step.nameIsOurs) {
        failures.push(...failureOf("name", () => takeover(user, parent, i)));
      }
      return failures;
    },
  };

  const check = async (
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> => {
    const inputs = normalizeInputs(news, [
      "domainXml",
      "virtualization",
      "serverPool",
      "machine",
      "name",
    ]);
    const failures = runRules(inputs, k.rules);
    if (failures.length === 0) failures.push(...(await checkAgainstFile(olds, inputs, fileCheck)));
    return { inputs, failures };
  };

  const diff = diffOn(k.keys, k.replaceOn, k.chain);

  const create = async (inputs: UserInputs): Promise<{ id: string; outs: UserOutputs }> => {
    const { value } = await editIms(inputs, (doc) => {
      const parents = k.parent(doc, inputs);
      const parent = parents[parents.length - 1];
      let user = userOf(parent);
      if (isTaken(k, user) && takeover(user, parent, inputs) === "resume") {
        return { value: outputsOf(k, inputs, user, true), changed: false };
      }
      if (isTaken(k, user)) {
        // Adoption takes the element as it is (see Virtualization): no write, the file's values.
        const found = inputsFromFile(
          inputs,
          desiredAttributes(inputs),
          getAttributes(user),
          FIELDS,
        );
        return { value: outputsOf(k, found, user, false), changed: false };
      }
      if (!user) {
        user = newElement(USER);
        appendChild(parents, user);
      }
      setAttributes(user, desiredAttributes(inputs));
      return { value: outputsOf(k, inputs, user, true), changed: true };
    });
    const owner =
      k.kind === "pool" ? `server-pool/${inputs.serverPool}` : `machines/${inputs.machine}`;
    return { id: `${inputs.domainXml}#${owner}/user`, outs: value };
  };

  const update = async (
    _id: string,
    _olds: UserOutputs,
    news: UserInputs,
  ): Promise<{ outs: UserOutputs }> => {
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
      changed = setAttributes(user, desiredAttributes(news)) || changed;
      return { value: outputsOf(k, news, user, changed), changed };
    });
    return { outs: value };
  };

  /** What the file says now; works from the ID alone (every value then comes from the file). */
  const read = async (
    id: string,
    props: Partial<UserOutputs>,
  ): Promise<{ id?: string; props?: UserOutputs; inputs?: UserInputs }> => {
    const parentKind = k.kind === "pool" ? "server-pool" : "machines";
    const ref = readTarget(
      id,
      { domainXml: props.domainXml, name: props[k.parentKey] },
      parentKind,
      true,
    );
    const known = !ref.fromId;
    // From the ID alone, every value comes from the file (an empty start differs from all).
    let old: UserInputs = known
      ? (pick(props as UserInputs, k.keys as (keyof UserInputs)[]) as UserInputs)
      : { domainXml: ref.domainXml, [k.parentKey]: ref.name, name: "", userId: -1, groupId: -1 };
    const { doc } = await readDomain(old.domainXml);
    const parent = k.findParent(doc, old);
    const user = parent && userOf(parent);
    if (!user || getAttribute(user, "name") === undefined) return {};
    if (!known) old = { ...old, ...k.chainOf(doc, old) };
    const inputs = inputsFromFile(old, desiredAttributes(old), getAttributes(user), FIELDS);
    return { id, props: outputsOf(k, inputs, user, props.restartRequired ?? false), inputs };
  };

  /** A pool's `<user>` is mandatory: it is emptied; a machine's is removed. */
  const remove = async (_id: string, props: UserOutputs): Promise<void> => {
    await editDomain(props.domainXml, (doc) => {
      const parent = k.findParent(doc, props);
      const user = parent && userOf(parent);
      if (!parent || !user) return { value: undefined, changed: false };
      if (k.kind === "machine") {
        removeChild(parent, user);
        return { value: undefined, changed: true };
      }
      const changed = setAttributes(user, [
        ["name", undefined],
        ["user-id", undefined],
        ["group-id", undefined],
        ["auth-method", undefined],
      ]);
      return { value: undefined, changed };
    });
  };

  return { check, diff, create, update, read, remove };
}

/** The provider of `PoolUser`: the pool's mandatory `<user>`, set on create, emptied on delete. */
export const poolUser = makeProvider(POOL);

/** The provider of `MachineUser`: the machine's optional `<user>`. */
export const machineUser = makeProvider(MACHINE);
