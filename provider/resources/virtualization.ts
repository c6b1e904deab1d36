import { getAttribute, getAttributes, setAttributes } from "../domain/attrs";
import {
  addInNameOrder,
  describe,
  dropEmptyVirtualizations,
  ensureVirtualizations,
  findVirtualization,
  findVirtualizations,
  LIBVIRT_VIRTUALIZATION,
} from "../domain/ims";
import { editDomain, readDomain } from "../domain/store";
import { newElement, removeChild } from "../domain/tree";
import { childElements, type XmlElement } from "../domain/xml";
import { ImsError } from "../errors";
import { ELEMENT_DEFAULTS, EMULATORS, PRESETS, type Emulator } from "../libvirt/presets";
import {
  diffOn,
  editIms,
  normalizeInputs,
  digest,
  inputsFromFile,
  integerOrRaw,
  keepExplicitDefaults,
  pick,
  type AttributeField,
} from "./common";
import { alreadyExists, readTarget, takeExisting } from "./locate";
import { checkAgainstFile, failureOf, type FileCheck } from "./preview";
import {
  absolutePathRule,
  booleanRule,
  connectionStringRule,
  domainXmlRule,
  integerRule,
  isUnknown,
  nameRule,
  oneOfRule,
  runRules,
  type CheckFailure,
  type Rule,
} from "./rules";

/** Plain inputs of a `Virtualization` (the SDK's `VirtualizationArgs`, resolved). */
export interface VirtualizationInputs {
  domainXml: string;
  name: string;
  emulator: Emulator;
  emulatorPath?: string;
  connectionString?: string;
  templateCacheSize?: number;
  templateCacheRefreshRate?: number;
  adopt?: boolean;
  /** Write IMS configuration even into a domain stamped by a GlassFish without IMS. */
  allowUnsupportedGlassFish?: boolean;
}

/** What a `Virtualization` records in the state. */
export interface VirtualizationOutputs extends VirtualizationInputs {
  /** The emulator path GlassFish will use ("" for the `test` driver, which needs none). */
  effectiveEmulatorPath: string;
  /** The connection-string template GlassFish will use. */
  effectiveConnectionString: string;
  /** True when the last operation changed domain.xml: GlassFish must (re)start to see it. */
  restartRequired: boolean;
  /** Digest of the element's XML; changes whenever the element does. */
  xmlDigest: string;
  /** Version of this state's shape, for later code reading older state. */
  stateVersion: 1;
}

/** Input keys, in the order they are compared. */
export const INPUT_KEYS = [
  "domainXml",
  "name",
  "emulator",
  "emulatorPath",
  "connectionString",
  "templateCacheSize",
  "templateCacheRefreshRate",
  "adopt",
] as const;

/** A change of these replaces the element; everything else updates it in place. */
export const REPLACE_ON = ["domainXml", "name"] as const;

const RULES: readonly Rule[] = [
  domainXmlRule(),
  nameRule("name"),
  oneOfRule("emulator", EMULATORS),
  absolutePathRule("emulatorPath"),
  connectionStringRule("connectionString"),
  integerRule("templateCacheSize", 0, 10000),
  integerRule("templateCacheRefreshRate", 1, 86400),
  booleanRule("adopt"),
  booleanRule("allowUnsupportedGlassFish"),
];

/** The inputs read back from attributes on refresh. */
const FIELDS: readonly AttributeField[] = [
  { input: "emulatorPath", attr: "emulator-path", absent: ELEMENT_DEFAULTS.emulatorPath },
  {
    input: "connectionString",
    attr: "connection-string",
    absent: ELEMENT_DEFAULTS.connectionString,
  },
  {
    input: "templateCacheSize",
    attr: "template-cache-size",
    parse: integerOrRaw,
    absent: ELEMENT_DEFAULTS.templateCacheSize,
  },
  {
    input: "templateCacheRefreshRate",
    attr: "template-cache-refresh-rate",
    parse: integerOrRaw,
    absent: ELEMENT_DEFAULTS.templateCacheRefreshRate,
  },
];

/** The managed attributes, in the order a new element gets them, from inputs. */
function desiredAttributes(i: VirtualizationInputs): Array<[string, string | undefined]> {
  const preset = PRESETS[i.emulator] ?? PRESETS.kvm;
  const presetPath =
    preset.emulatorPath !== ELEMENT_DEFAULTS.emulatorPath ? preset.emulatorPath : undefined;
  const presetCs =
    preset.connectionString !== ELEMENT_DEFAULTS.connectionString
      ? preset.connectionString
      : undefined;
  return [
    ["type", "libvirt"],
    ["emulator-path", i.emulatorPath ?? presetPath],
    ["connection-string", i.connectionString ?? presetCs],
    ["template-cache-size", i.templateCacheSize?.toString()],
    ["template-cache-refresh-rate", i.templateCacheRefreshRate?.toString()],
  ];
}

function outputsOf(
  i: VirtualizationInputs,
  el: XmlElement,
  restartRequired: boolean,
): VirtualizationOutputs {
  const attrPath = getAttribute(el, "emulator-path");
  return {
    ...(pick(i, INPUT_KEYS) as VirtualizationInputs),
    effectiveEmulatorPath: attrPath ?? (i.emulator === "test" ? "" : ELEMENT_DEFAULTS.emulatorPath),
    effectiveConnectionString:
      getAttribute(el, "connection-string") ?? ELEMENT_DEFAULTS.connectionString,
    restartRequired,
    xmlDigest: digest(el),
    stateVersion: 1,
  };
}

function idOf(i: VirtualizationInputs): string {
  return `${i.domainXml}#virtualization/${i.name}`;
}

/** The element `create` writes for these inputs. */
function built(i: VirtualizationInputs): XmlElement {
  return newElement(LIBVIRT_VIRTUALIZATION, [["name", i.name], ...desiredAttributes(i)]);
}

/** How an existing virtualization of the new name is taken (see takeExisting), or ALREADY_EXISTS. */
function takeover(existing: XmlElement, i: VirtualizationInputs): "adopt" | "resume" {
  return takeExisting(
    existing,
    built(i),
    () => false,
    i.adopt && existing.name === LIBVIRT_VIRTUALIZATION,
    () => alreadyExists(existing, i.domainXml),
  );
}

/** What `check` asks of the file: a new name must be free (or taken over). */
const FILE_CHECK: FileCheck = {
  kind: "Virtualization",
  keys: INPUT_KEYS,
  replaceOn: REPLACE_ON,
  probe: (raw, doc, step) => {
    const i = raw as unknown as VirtualizationInputs;
    if (!step.creating || step.nameIsOurs || isUnknown(i.name)) return [];
    const existing = findVirtualization(doc, i.name);
    // With a value still unknown, the element may turn out to be exactly ours: judge at up.
    if (!existing || isUnknown(raw)) return [];
    return failureOf("name", () => takeover(existing, i));
  },
};

/**
 * Validates and normalizes inputs, every failure at once; then, when this step would write, what
 * the write would meet in the file (read only, see checkAgainstFile).
 */
export async function check(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> {
  const inputs = normalizeInputs(news, ["domainXml", "name", "emulatorPath", "connectionString"]);
  if (inputs.emulator === undefined) inputs.emulator = "kvm";
  const failures = runRules(inputs, RULES);
  if (failures.length === 0) failures.push(...(await checkAgainstFile(olds, inputs, FILE_CHECK)));
  return { inputs, failures };
}

/** Explicit diff: identity replaces, the rest updates in place. */
export const diff = diffOn(INPUT_KEYS, REPLACE_ON);

/**
 * Writes the element, or takes over an existing one (with `adopt`, or when it is what an
 * interrupted run of this create wrote). Nothing is written on failure.
 */
export async function create(
  inputs: VirtualizationInputs,
): Promise<{ id: string; outs: VirtualizationOutputs }> {
  const { value } = await editIms(inputs, (doc) => {
    const existing = findVirtualization(doc, inputs.name);
    if (existing && takeover(existing, inputs) === "resume") {
      return { value: outputsOf(inputs, existing, true), changed: false };
    }
    if (existing) {
      // Adoption takes the element as it is: nothing is written, and the outputs record the
      // file's values, so where the program differs the next preview shows it as an update.
      const found = inputsFromFile(
        inputs,
        desiredAttributes(inputs),
        getAttributes(existing),
        FIELDS,
      );
      return { value: outputsOf(found, existing, false), changed: false };
    }
    const el = built(inputs);
    addInNameOrder([doc.root, ensureVirtualizations(doc)], el);
    return { value: outputsOf(inputs, el, true), changed: true };
  });
  return { id: idOf(inputs), outs: value };
}

/** Rewrites the managed attributes; other attributes and children stay as they are. */
export async function update(
  _id: string,
  olds: VirtualizationOutputs,
  news: VirtualizationInputs,
): Promise<{ outs: VirtualizationOutputs }> {
  const { value } = await editIms(news, (doc) => {
    const el = findVirtualization(doc, olds.name);
    if (!el || el.name !== LIBVIRT_VIRTUALIZATION) {
      throw new ImsError(
        "NOT_OWNED",
        `<${LIBVIRT_VIRTUALIZATION} name="${olds.name}"> is gone from ${news.domainXml}: run pulumi refresh, then pulumi up to recreate it`,
      );
    }
    const desired = keepExplicitDefaults(desiredAttributes(news), getAttributes(el), FIELDS);
    const changed = setAttributes(el, desired);
    return { value: outputsOf(news, el, changed), changed };
  });
  return { outs: value };
}

/**
 * Reports what the file says now. Inputs whose attribute differs from what they would write come
 * back as the file's value, so a hand edit shows as drift and the next `up` writes it back. A
 * vanished element returns no id: the resource leaves the state.
 */
export async function read(
  id: string,
  props: Partial<VirtualizationOutputs>,
): Promise<{ id?: string; props?: VirtualizationOutputs; inputs?: VirtualizationInputs }> {
  const ref = readTarget(id, props, "virtualization");
  const { doc } = await readDomain(ref.domainXml);
  const el = findVirtualization(doc, ref.name);
  if (!el || el.name !== LIBVIRT_VIRTUALIZATION) return {};
  // From the ID alone, the inputs are what the file says, starting from the preset it matches.
  const old = !ref.fromId
    ? (pick(props, INPUT_KEYS) as VirtualizationInputs)
    : ({
        domainXml: ref.domainXml,
        name: ref.name,
        emulator: presetOf(el),
      } as VirtualizationInputs);
  const inputs = inputsFromFile(old, desiredAttributes(old), getAttributes(el), FIELDS);
  return { id, props: outputsOf(inputs, el, props.restartRequired ?? false), inputs };
}

/** The emulator preset an element's attributes match best (for a read from the ID alone). */
function presetOf(el: XmlElement): Emulator {
  const cs = getAttribute(el, "connection-string");
  const path = getAttribute(el, "emulator-path");
  if (cs === PRESETS.test.connectionString) return "test";
  if (cs === PRESETS.xen.connectionString || path === PRESETS.xen.emulatorPath) return "xen";
  if (path === PRESETS.qemu.emulatorPath) return "qemu";
  return "kvm";
}

/**
 * Removes the element. Already gone is fine. An element that holds children this resource does
 * not manage (server pools, templates, ...) is refused, naming them.
 */
export async function remove(_id: string, props: VirtualizationOutputs): Promise<void> {
  await editDomain(props.domainXml, (doc) => {
    const el = findVirtualization(doc, props.name);
    if (!el || el.name !== LIBVIRT_VIRTUALIZATION) return { value: undefined, changed: false };
    const held = childElements(el);
    if (held.length > 0) {
      throw new ImsError(
        "NOT_OWNED",
        `${describe(el)} in ${props.domainXml} still holds ${held.map(describe).join(", ")}, which this stack does not manage: remove them first (asadmin delete-server-pool ...) or keep the element with retainOnDelete`,
      );
    }
    const container = findVirtualizations(doc);
    if (container) removeChild(container, el);
    dropEmptyVirtualizations(doc);
    return { value: undefined, changed: true };
  });
}
