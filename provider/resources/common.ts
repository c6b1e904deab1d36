import { createHash } from "crypto";
import { domainPath } from "../domain/store";
import { serializeElement, type XmlElement } from "../domain/xml";
import { isUnknown } from "./rules";

/** The result of `diff`, as the dynamic provider host expects it. */
export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * Derives the whole diff from one list of input keys and the subset that is identity.
 * An unknown new value counts as changed. When the replacement would take the same XML key as
 * the old element (same file, same name), the old one is deleted first.
 */
export function diffInputs(
  keys: readonly string[],
  replaceOn: readonly string[],
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): DiffResult {
  const changed = keys.filter((k) => isUnknown(news[k]) || !same(olds[k], news[k]));
  const replaces = changed.filter((k) => replaceOn.includes(k));
  const collides =
    replaces.length > 0 &&
    !isUnknown(news.domainXml) &&
    !isUnknown(news.name) &&
    domainPath(String(olds.domainXml)) === domainPath(String(news.domainXml)) &&
    olds.name === news.name;
  return { changes: changed.length > 0, replaces, deleteBeforeReplace: collides };
}

/** A short digest of an element's XML: changes whenever the element does (for restart triggers). */
export function digest(el: XmlElement | undefined): string {
  return createHash("sha256")
    .update(el ? serializeElement(el) : "")
    .digest("hex")
    .slice(0, 16);
}

/** Copies the listed keys that are set, dropping `undefined` ones (state keeps no undefined). */
export function pick<T extends object>(src: T, keys: readonly (keyof T)[]): Partial<T> {
  const out: Partial<T> = {};
  for (const k of keys) if (src[k] !== undefined) out[k] = src[k];
  return out;
}

/** Trims a string input; other values pass unchanged. */
export function trimmed(v: unknown): unknown {
  return typeof v === "string" && !isUnknown(v) ? v.trim() : v;
}
