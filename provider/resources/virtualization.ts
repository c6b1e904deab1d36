import { getAttribute, getAttributes, setAttributes } from "../domain/attrs";
import type { DasConnection } from "../remote/connection";
import { connectionField, domainAt, shownFile } from "./das-host";
import {
  addInNameOrder,
  describe,
  dropEmptyVirtualizations,
  ensureVirtualizations,
  findVirtualization,
  findVirtualizations,
  LIBVIRT_VIRTUALIZATION,
} from "../domain/ims";
import { editDomain, readDomain } from "../store/store";
import { newElement, removeChild } from "../domain/tree";
import { childElements, type XmlElement } from "../domain/xml";
import { ImsError } from "../errors";
import { ELEMENT_DEFAULTS, EMULATORS, PRESETS, type Emulator } from "../libvirt/presets";
import { diffOn, digest, editIms, inputsFromFile, keepExplicitDefaults, pick } from "./common";
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
  type OutputsOnly,
  type ResourceSpec,
  validated,
} from "./fields";
import { alreadyExists, readTarget, takeExisting } from "./locate";
import { idFragment, idOf, type ElementId } from "./ids";
import { claimCreate, settle } from "./journal";
import { checkAgainstFile, failureOf, type FileCheck } from "./preview";
import {
  absolutePathRule,
  connectionStringRule,
  domainXmlRule,
  integerRule,
  isUnknown,
  nameRule,
  oneOfRule,
  type CheckFailure,
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
  /** The DAS host that holds domainXml; absent: this machine. */
  connection?: DasConnection;
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

/** Where the preset puts a value GlassFish's default does not already give (SPEC §3). */
function presetValue(
  i: VirtualizationInputs,
  key: "emulatorPath" | "connectionString",
): string | undefined {
  const preset = (PRESETS[i.emulator] ?? PRESETS.kvm)[key];
  return preset !== ELEMENT_DEFAULTS[key] ? preset : undefined;
}

/** Its resource ID: `<domainXml>#virtualization/<name>`. */
const ID = { element: "virtualization", by: "name" } as const satisfies ElementId;

/** The fields of a `Virtualization`, declared once. */
export const SPEC: ResourceSpec<
  VirtualizationInputs,
  OutputsOnly<VirtualizationOutputs, VirtualizationInputs>
> = {
  type: "Virtualization",
  id: ID,
  doc: "A `<libvirt-virtualization>` in a GlassFish domain.xml: what `asadmin create-ims-config-libvirt` creates. Changing `domainXml` or `name` replaces it; everything else updates in place.",
  fixed: [["type", "libvirt"]],
  fields: {
    domainXml: {
      type: "string",
      doc: "path of the GlassFish domain.xml to edit (relative: from the Pulumi project)",
      required: true,
      rule: domainXmlRule,
      change: "replace",
      trim: true,
    },
    name: {
      type: "string",
      doc: "IMS name of the virtualization: letters, digits, `_`, `-`, `.`",
      required: true,
      default: "the resource name",
      xml: { attr: "name", key: true },
      rule: nameRule,
      change: "replace",
      trim: true,
    },
    emulator: {
      type: "string",
      doc: "emulator preset: `kvm`, `qemu` (software emulation), `xen`, or `test` (libvirt's embedded test driver, no daemon needed)",
      fill: "kvm",
      rule: (p) => oneOfRule(p, EMULATORS),
      change: "update",
    },
    emulatorPath: {
      type: "string",
      doc: "absolute path of the emulator binary",
      default: "the preset's (`/usr/bin/kvm` for kvm)",
      xml: { attr: "emulator-path" },
      write: (i) => i.emulatorPath ?? presetValue(i, "emulatorPath"),
      absent: ELEMENT_DEFAULTS.emulatorPath,
      rule: absolutePathRule,
      change: "update",
      trim: true,
    },
    connectionString: {
      type: "string",
      doc: "the libvirt connection-string template with `#{auth.sep}`, `#{auth.method}`, `#{user.name}`, `#{target.host}`; secret",
      default: "the preset's",
      xml: { attr: "connection-string" },
      write: (i) => i.connectionString ?? presetValue(i, "connectionString"),
      absent: ELEMENT_DEFAULTS.connectionString,
      rule: connectionStringRule,
      change: "update",
      trim: true,
      secret: true,
    },
    templateCacheSize: {
      type: "integer",
      doc: "how many templates GlassFish keeps cached, 0 to 10000",
      xml: { attr: "template-cache-size" },
      absent: ELEMENT_DEFAULTS.templateCacheSize,
      rule: (p) => integerRule(p, 0, 10000),
      change: "update",
    },
    templateCacheRefreshRate: {
      type: "integer",
      doc: "seconds between template cache refreshes, 1 to 86400",
      xml: { attr: "template-cache-refresh-rate" },
      absent: ELEMENT_DEFAULTS.templateCacheRefreshRate,
      rule: (p) => integerRule(p, 1, 86400),
      change: "update",
    },
    adopt: adoptField("`<libvirt-virtualization>`"),
    allowUnsupportedGlassFish: allowUnsupportedField(),
    connection: connectionField(),
  },
  outputs: {
    effectiveEmulatorPath: {
      type: "string",
      doc: "the emulator path GlassFish will use (empty for `test`, which needs none)",
    },
    effectiveConnectionString: {
      type: "string",
      doc: "the connection-string template GlassFish will use; secret: it may carry credentials",
      secret: true,
    },
    ...COMMON_OUTPUTS,
  },
};

const KEYS = keysOf(SPEC.fields);

/** Input keys, in the order they are compared. */
export const INPUT_KEYS = KEYS.diff;

/** A change of these replaces the element; everything else updates it in place. */
export const REPLACE_ON = KEYS.replace;

/** The inputs read back from attributes on refresh. */
const FIELDS = attributeFields(SPEC.fields);

function outputsOf(
  i: VirtualizationInputs,
  el: XmlElement,
  restartRequired: boolean,
): VirtualizationOutputs {
  const attrPath = getAttribute(el, "emulator-path");
  return {
    ...(pick(i, KEYS.stored) as VirtualizationInputs),
    effectiveEmulatorPath: attrPath ?? (i.emulator === "test" ? "" : ELEMENT_DEFAULTS.emulatorPath),
    effectiveConnectionString:
      getAttribute(el, "connection-string") ?? ELEMENT_DEFAULTS.connectionString,
    restartRequired,
    xmlDigest: digest(el),
    stateVersion: 1,
  };
}

/** The element `create` writes for these inputs. */
function built(i: VirtualizationInputs): XmlElement {
  return newElement(LIBVIRT_VIRTUALIZATION, newAttributes(SPEC, i));
}

/** How an existing virtualization of the new name is taken (see takeExisting), or ALREADY_EXISTS. */
function takeover(
  existing: XmlElement,
  i: VirtualizationInputs,
  resumable: boolean,
): "adopt" | "resume" {
  return takeExisting(
    existing,
    built(i),
    () => false,
    i.adopt && existing.name === LIBVIRT_VIRTUALIZATION,
    () => alreadyExists(existing, shownFile(i)),
    resumable,
  );
}

/** The element's part of the ID, for the create journal. */
const element = (i: { name: string }) => idFragment(ID, i.name);

/** What `check` asks of the file: a new name must be free (or taken over). */
const FILE_CHECK: FileCheck = {
  kind: SPEC.type,
  keys: INPUT_KEYS,
  replaceOn: REPLACE_ON,
  probe: (raw, doc, step) => {
    const i = raw as unknown as VirtualizationInputs;
    if (!step.creating || step.nameIsOurs || isUnknown(i.name)) return [];
    const existing = findVirtualization(doc, i.name);
    // With a value still unknown, the element may turn out to be exactly ours: judge at up.
    if (!existing || isUnknown(raw)) return [];
    return failureOf("name", () => takeover(existing, i, step.resumable));
  },
  element: (raw) => element(raw as unknown as VirtualizationInputs),
};

/**
 * Validates and normalizes inputs, every failure at once; then, when this step would write, what
 * the write would meet in the file (read only, see checkAgainstFile).
 */
export async function check(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> {
  const { inputs, failures } = checkFields(SPEC.fields, news);
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
  given: VirtualizationInputs,
): Promise<{ id: string; outs: VirtualizationOutputs }> {
  const inputs = validated(SPEC.type, SPEC.fields, given);
  const claim = await claimCreate(inputs, element(inputs));
  const { value } = await editIms(inputs, (doc) => {
    const existing = findVirtualization(doc, inputs.name);
    if (existing && takeover(existing, inputs, claim.resumable) === "resume") {
      return { value: outputsOf(inputs, existing, true), changed: false };
    }
    if (existing) {
      // Adoption takes the element as it is: nothing is written, and the outputs record the
      // file's values, so where the program differs the next preview shows it as an update.
      const found = inputsFromFile(
        inputs,
        desiredAttributes(SPEC, inputs),
        getAttributes(existing),
        FIELDS,
      );
      return { value: outputsOf(found, existing, false), changed: false };
    }
    const el = built(inputs);
    addInNameOrder([doc.root, ensureVirtualizations(doc)], el);
    claim.wrote();
    return { value: outputsOf(inputs, el, true), changed: true };
  }).catch(claim.undo);
  return { id: idOf(ID, inputs), outs: value };
}

/** Rewrites the managed attributes; other attributes and children stay as they are. */
export async function update(
  _id: string,
  olds: VirtualizationOutputs,
  given: VirtualizationInputs,
): Promise<{ outs: VirtualizationOutputs }> {
  const news = validated(SPEC.type, SPEC.fields, given);
  const { value } = await editIms(news, (doc) => {
    const el = findVirtualization(doc, olds.name);
    if (!el || el.name !== LIBVIRT_VIRTUALIZATION) {
      throw new ImsError(
        "NOT_OWNED",
        `<${LIBVIRT_VIRTUALIZATION} name="${olds.name}"> is gone from ${shownFile(news)}: run pulumi refresh, then pulumi up to recreate it`,
      );
    }
    const desired = keepExplicitDefaults(desiredAttributes(SPEC, news), getAttributes(el), FIELDS);
    const changed = setAttributes(el, desired);
    return { value: outputsOf(news, el, changed), changed };
  });
  // The engine has the resource: its create is settled.
  await settle(news, element(olds));
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
  const ref = readTarget(id, props, ID.element);
  const { doc } = await readDomain(domainAt(ref));
  const el = findVirtualization(doc, ref.name);
  if (!el || el.name !== LIBVIRT_VIRTUALIZATION) {
    await settle(ref, element(ref), true);
    return {};
  }
  // From the ID alone, the inputs are what the file says, starting from the preset it matches.
  const old = !ref.fromId
    ? (pick(props, KEYS.stored) as VirtualizationInputs)
    : ({
        domainXml: ref.domainXml,
        name: ref.name,
        emulator: presetOf(el),
      } as VirtualizationInputs);
  const inputs = inputsFromFile(old, desiredAttributes(SPEC, old), getAttributes(el), FIELDS);
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
  await editDomain(domainAt(props), (doc) => {
    const el = findVirtualization(doc, props.name);
    if (!el || el.name !== LIBVIRT_VIRTUALIZATION) return { value: undefined, changed: false };
    const held = childElements(el);
    if (held.length > 0) {
      throw new ImsError(
        "NOT_OWNED",
        stillHolds({
          element: describe(el),
          file: shownFile(props),
          children: held.map(describe),
          parentInput: "virtualization",
          byHand: "asadmin delete-server-pool ...",
          noun: "virtualization",
        }),
      );
    }
    const container = findVirtualizations(doc);
    if (container) removeChild(container, el);
    dropEmptyVirtualizations(doc);
    return { value: undefined, changed: true };
  });
  await settle(props, element(props), true);
}
