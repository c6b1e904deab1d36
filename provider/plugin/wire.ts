// Property values as the engine sends them to a provider plugin and takes them back: plain JSON
// (from google.protobuf.Struct) with secrets as signature-keyed objects and unknowns (during
// preview) as a sentinel string. Pure functions; the gRPC server converts Structs around them.
import { UNKNOWN } from "../engine";

/** The key that marks a special value on the wire (Pulumi's `specialSigKey`). */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
/** The signature of a secret value (Pulumi's `specialSecretSig`). */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** The value the engine sends for a value not known during preview (as the dynamic host does). */
export const UNKNOWN_VALUE = UNKNOWN;

/** A property map as the engine sends or takes it. */
export type WireProps = Record<string, unknown>;

/** Plain values and the top-level properties that were (or held) secrets. */
export interface Unwrapped {
  /** The values, with every secret replaced by what it holds. */
  values: Record<string, unknown>;
  /** The top-level properties that were secret or held a secret. */
  secrets: Set<string>;
}

function isSecret(v: unknown): v is { value?: unknown } {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  );
}

/** `v` without secret wrappers; `found()` is called when one was there. */
function plain(v: unknown, found: () => void): unknown {
  if (isSecret(v)) {
    found();
    return plain(v.value, found);
  }
  if (Array.isArray(v)) return v.map((x) => plain(x, found));
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x, found)]));
  }
  return v;
}

/**
 * The engine's property map as the resource code takes it (the dynamic host gives it the same
 * way): secrets unwrapped, noting which top-level properties were secret; unknowns kept as the
 * sentinel the resource rules recognise; nulls dropped (an absent input).
 */
export function fromWire(props: WireProps | undefined): Unwrapped {
  const values: Record<string, unknown> = {};
  const secrets = new Set<string>();
  for (const [k, v] of Object.entries(props ?? {})) {
    const value = plain(v, () => secrets.add(k));
    if (value !== null && value !== undefined) values[k] = value;
  }
  return { values, secrets };
}

/**
 * A property map for the engine: each property in `secrets` wrapped as a secret value,
 * undefined ones dropped (the engine cannot carry them).
 */
export function toWire(values: object, secrets: Iterable<string>): WireProps {
  const secret = new Set(secrets);
  const out: WireProps = {};
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    out[k] = secret.has(k) ? { [SIG_KEY]: SECRET_SIG, value: v } : v;
  }
  return out;
}

/**
 * The resource's name from its URN (`urn:pulumi:<stack>::<project>::<type>::<name>`), as a
 * language SDK would default an IMS name to it.
 */
export function nameFromUrn(urn: string): string {
  const at = urn.lastIndexOf("::");
  if (!urn.startsWith("urn:pulumi:") || at < 0 || at + 2 >= urn.length) {
    throw new Error(
      `resource URN ${JSON.stringify(urn)} must be urn:pulumi:<stack>::<project>::<type>::<name>`,
    );
  }
  return urn.slice(at + 2);
}

/** What a change of one property does, for the engine's detailed diff. */
export type PropertyChange = "update" | "replace";

/**
 * The detailed diff: every changed property, `replace` where it is one of the diff's replace
 * keys, else `update`. A replace key that is not in `changed` is added (never dropped).
 */
export function detailOf(
  changed: readonly string[],
  replaces: readonly string[],
): Record<string, PropertyChange> {
  const out: Record<string, PropertyChange> = {};
  for (const k of [...changed, ...replaces.filter((r) => !changed.includes(r))]) {
    out[k] = replaces.includes(k) ? "replace" : "update";
  }
  return out;
}
