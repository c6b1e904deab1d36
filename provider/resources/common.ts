import { createHash } from "crypto";
import * as path from "path";
import { assertImsSupported } from "../domain/glassfish";
import { domainPath, editDomain, type Edit, type EditOutcome } from "../store/store";
import { dasIdentity, domainAt, type Located, shownFile } from "./das-host";
import { getAttributes } from "../domain/attrs";
import { childElements, serializeElement, type XmlElement } from "../domain/xml";
import { isUnknown } from "./rules";
import type { DiffResult } from "../engine-types";

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Two values of `key` mean the same (`domainXml` compared as absolute paths). */
function sameValue(key: string, a: unknown, b: unknown): boolean {
  if (key === "domainXml" && typeof a === "string" && typeof b === "string") {
    return domainPath(a) === domainPath(b);
  }
  return same(a, b);
}

/**
 * Derives the whole diff from one list of input keys and the subset that is identity.
 * An unknown new value counts as changed. When the replacement would take the same XML key as
 * the old element (same file, same name), the old one is deleted first. Keys of `chain` (the
 * ancestors above the direct parent, which the SDK passes only when the parent is given as a
 * resource) are compared only when both sides have them: a parent given by name or as the
 * resource is one identity. A null is no value (what the state records for one, see absent.ts),
 * as an absent key is.
 */
export function diffInputs(
  keys: readonly string[],
  replaceOn: readonly string[],
  oldsGiven: Record<string, unknown>,
  newsGiven: Record<string, unknown>,
  chain: readonly string[] = [],
): DiffResult {
  const olds = withoutNulls(oldsGiven);
  const news = withoutNulls(newsGiven);
  const changed = changedKeys(keys, olds, news, chain);
  // Another DAS host is another file: the element is made there anew (new credentials for the
  // same host only update the state).
  const moved = (k: string) =>
    k === "connection" && dasIdentity(olds.connection) !== dasIdentity(news.connection);
  const replaces = changed.filter((k) => replaceOn.includes(k) || moved(k));
  const collides =
    replaces.length > 0 &&
    !isUnknown(news.domainXml) &&
    !isUnknown(news.name) &&
    !isUnknown(news.connection) &&
    dasIdentity(olds.connection) === dasIdentity(news.connection) &&
    domainPath(String(olds.domainXml)) === domainPath(String(news.domainXml)) &&
    olds.name === news.name;
  return { changes: changed.length > 0, replaces, deleteBeforeReplace: collides, diffs: changed };
}

/** The input keys whose value differs: {@link diffInputs} derives the rest from them. */
function changedKeys(
  keys: readonly string[],
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  chain: readonly string[] = [],
): string[] {
  const oneSided = (k: string) =>
    chain.includes(k) && (olds[k] === undefined || news[k] === undefined);
  return keys.filter(
    (k) => !oneSided(k) && (isUnknown(news[k]) || !sameValue(k, olds[k], news[k])),
  );
}

/** A resource's `diff`: explicit, from its input keys, the subset that is identity, the chain. */
export function diffOn(
  keys: readonly string[],
  replaceOn: readonly string[],
  chain: readonly string[] = [],
): (id: string, olds: Record<string, unknown>, news: Record<string, unknown>) => DiffResult {
  return (_id, olds, news) => diffInputs(keys, replaceOn, olds, news, chain);
}

/**
 * A short digest of what one resource owns of an element, for restart triggers: the element's name
 * and attributes (decoded, in file order), plus the serialized child elements that `own` accepts
 * (a machine's `<network-name>`, ...). Children that other resources own (a pool's machines, a
 * virtualization's pools) are left out, so the digest is the same whenever it is taken (at create,
 * before the children exist, or at refresh, after) and changes exactly when what it covers does.
 */
export function digest(
  el: XmlElement | undefined,
  own: (child: XmlElement) => boolean = () => false,
): string {
  const hash = createHash("sha256");
  if (el) {
    hash.update(el.name);
    for (const [name, value] of getAttributes(el)) hash.update(`\0${name}=${value}`);
    for (const child of childElements(el)) {
      if (own(child)) hash.update(`\0${serializeElement(child)}`);
    }
  }
  return hash.digest("hex").slice(0, 16);
}

/** Copies the listed keys that are set, dropping `undefined` ones (state keeps no undefined). */
export function pick<T extends object>(src: T, keys: readonly (keyof T)[]): Partial<T> {
  const out: Partial<T> = {};
  for (const k of keys) if (src[k] !== undefined) out[k] = src[k];
  return out;
}

/**
 * Trims the spaces around a string input; other values pass unchanged. Only spaces: a line feed
 * or tab at an end (`$(cat file)`, a YAML block scalar) stays, for the property's rule to refuse,
 * rather than making a second spelling of the same path or name pass.
 */
export function trimmed(v: unknown): unknown {
  return typeof v === "string" && !isUnknown(v) ? v.replace(/^ +| +$/g, "") : v;
}

/** How an input maps to an attribute, for reading drift back. */
export interface AttributeField {
  /** The input's key. */
  input: string;
  /** The attribute's XML name. */
  attr: string;
  /** Turns the attribute text into the input's type. */
  parse?: (raw: string) => unknown;
  /** The input value that an absent attribute means. */
  absent?: unknown;
}

/**
 * The inputs as the file has them: every field whose attribute differs from what the inputs
 * would write takes the file's value (or `absent` when the attribute is gone), so that `refresh`
 * shows a hand edit as drift and the next `up` writes the inputs back.
 */
export function inputsFromFile<T extends object>(
  inputs: T,
  desired: ReadonlyArray<[string, string | undefined]>,
  actual: Map<string, string>,
  fields: readonly AttributeField[],
): T {
  const out: Record<string, unknown> = { ...(inputs as Record<string, unknown>) };
  for (const f of fields) {
    const want = desired.find(([a]) => a === f.attr)?.[1];
    const have = actual.get(f.attr);
    if (have === want || (want === undefined && isExplicitDefault(f, have))) continue;
    out[f.input] = have === undefined ? f.absent : f.parse ? f.parse(have) : have;
  }
  return out as T;
}

/** True when the file spells out the value an absent attribute means (asadmin writes defaults). */
function isExplicitDefault(f: AttributeField, have: string | undefined): boolean {
  if (have === undefined || f.absent === undefined) return false;
  return same(f.parse ? f.parse(have) : have, f.absent);
}

/**
 * The attributes to write, keeping those the file spells out at their default where the inputs
 * leave them unset: an update then never drops what asadmin wrote, since both mean the same.
 */
export function keepExplicitDefaults(
  desired: ReadonlyArray<[string, string | undefined]>,
  actual: Map<string, string>,
  fields: readonly AttributeField[],
): Array<[string, string | undefined]> {
  return desired.map(([attr, want]) => {
    const f = fields.find((x) => x.attr === attr);
    const have = actual.get(attr);
    return want === undefined && f && isExplicitDefault(f, have) ? [attr, have] : [attr, want];
  });
}

/** Parses an integer attribute, keeping text that is not one as it is (it shows as drift). */
export function integerOrRaw(raw: string): number | string {
  const n = Number(raw);
  return Number.isInteger(n) && raw.trim() !== "" ? n : raw;
}

/** `props` without its null values: the state's "no value" is an absent property to the code. */
export function withoutNulls<T>(props: T): T {
  if (typeof props !== "object" || props === null || Array.isArray(props)) return props;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) if (v !== null) out[k] = v;
  return out as T;
}

/** Drops keys whose value is undefined: the engine cannot carry them. */
export function compact(inputs: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(inputs)) if (inputs[k] === undefined) delete inputs[k];
  return inputs;
}

/**
 * The normalization every `check` starts with: the given string inputs trimmed, `domainXml` in
 * normal path form, undefined keys dropped. Unknown values stay as they are.
 */
export function normalizeInputs(
  news: Record<string, unknown>,
  trim: readonly string[],
): Record<string, unknown> {
  const inputs: Record<string, unknown> = { ...news };
  for (const k of trim) inputs[k] = trimmed(inputs[k]);
  if (typeof inputs.domainXml === "string" && !isUnknown(inputs.domainXml) && inputs.domainXml) {
    inputs.domainXml = path.normalize(inputs.domainXml);
  }
  return compact(inputs);
}

/**
 * Applies an edit that writes IMS configuration: refused first (GLASSFISH_WITHOUT_IMS, nothing
 * written) when the domain is stamped by a GlassFish release without IMS, which would drop or undo
 * it, unless the inputs allow it. Deletes go through `editDomain` directly: taking IMS
 * configuration out is always safe.
 */
export function editIms<T>(
  i: Located & { allowUnsupportedGlassFish?: boolean },
  edit: Edit<T>,
): Promise<EditOutcome<T>> {
  return editDomain(domainAt(i), (doc) => {
    assertImsSupported(doc, shownFile(i), i.allowUnsupportedGlassFish === true);
    return edit(doc);
  });
}
