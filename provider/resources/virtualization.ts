import { getAttribute, getAttributes, setAttributes } from "../domain/attrs";
import {
  describe,
  dropEmptyVirtualizations,
  ensureVirtualizations,
  findVirtualization,
  findVirtualizations,
  LIBVIRT_VIRTUALIZATION,
} from "../domain/ims";
import { editDomain, readDomain } from "../domain/store";
import { appendChild, newElement, removeChild } from "../domain/tree";
import { childElements, type XmlElement } from "../domain/xml";
import { ImsError } from "../errors";
import { ELEMENT_DEFAULTS, EMULATORS, PRESETS, type Emulator } from "../libvirt/presets";
import {
  diffOn,
  normalizeInputs,
  digest,
  inputsFromFile,
  integerOrRaw,
  pick,
  type AttributeField,
} from "./common";
import { alreadyExists } from "./locate";
import {
  absolutePathRule,
  booleanRule,
  connectionStringRule,
  domainXmlRule,
  integerRule,
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

/** Validates and normalizes inputs; every failure at once, no I/O. */
export function check(
  _olds: Record<string, unknown>,
  news: Record<string, unknown>,
): { inputs: Record<string, unknown>; failures: CheckFailure[] } {
  const inputs = normalizeInputs(news, ["domainXml", "name", "emulatorPath", "connectionString"]);
  if (inputs.emulator === undefined) inputs.emulator = "kvm";
  return { inputs, failures: runRules(inputs, RULES) };
}

/** Explicit diff: identity replaces, the rest updates in place. */
export const diff = diffOn(INPUT_KEYS, REPLACE_ON);

/** Writes the element (or takes over an existing one with `adopt`). Nothing is written on failure. */
export async function create(
  inputs: VirtualizationInputs,
): Promise<{ id: string; outs: VirtualizationOutputs }> {
  const { value } = await editDomain(inputs.domainXml, (doc) => {
    const existing = findVirtualization(doc, inputs.name);
    if (existing && !(inputs.adopt && existing.name === LIBVIRT_VIRTUALIZATION)) {
      throw alreadyExists(existing, inputs.domainXml);
    }
    if (existing) {
      const changed = setAttributes(existing, desiredAttributes(inputs));
      return { value: outputsOf(inputs, existing, changed), changed };
    }
    const el = newElement(LIBVIRT_VIRTUALIZATION, [
      ["name", inputs.name],
      ...desiredAttributes(inputs),
    ]);
    appendChild([doc.root, ensureVirtualizations(doc)], el);
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
  const { value } = await editDomain(news.domainXml, (doc) => {
    const el = findVirtualization(doc, olds.name);
    if (!el || el.name !== LIBVIRT_VIRTUALIZATION) {
      throw new ImsError(
        "NOT_OWNED",
        `<${LIBVIRT_VIRTUALIZATION} name="${olds.name}"> is gone from ${news.domainXml}: run pulumi refresh, then pulumi up to recreate it`,
      );
    }
    const changed = setAttributes(el, desiredAttributes(news));
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
  props: VirtualizationOutputs,
): Promise<{ id?: string; props?: VirtualizationOutputs; inputs?: VirtualizationInputs }> {
  const { doc } = await readDomain(props.domainXml);
  const el = findVirtualization(doc, props.name);
  if (!el || el.name !== LIBVIRT_VIRTUALIZATION) return {};
  const old = pick(props, INPUT_KEYS) as VirtualizationInputs;
  const inputs = inputsFromFile(old, desiredAttributes(old), getAttributes(el), FIELDS);
  return { id, props: outputsOf(inputs, el, props.restartRequired), inputs };
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
