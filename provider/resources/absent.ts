// Values a resource's state holds no value for. The engine answers a preview of an unchanged
// resource with the outputs of its state, and the language SDKs (Node's resolveProperties, the
// YAML host) take a declared output that is missing there as unknown during a preview: a stack
// output made of `discoveredVia` or `dasAddress` would then show as `[unknown]` on every preview.
// So the state records "no value" as null for every property the resource declares, and the
// resource code never sees those nulls (an absent input, as the engine's own nulls are).
import { isStored, type Change, type Exposure } from "./fields";

/** What {@link stateKeys} reads of a resource's declaration (a `ResourceSpec` or its doc view). */
export interface DeclaredShape {
  /** Its inputs. */
  fields: Readonly<Record<string, { change: Change; stored?: boolean; exposure?: Exposure }>>;
  /** Its outputs beyond the stored inputs. */
  outputs: Readonly<Record<string, unknown>>;
}

/**
 * The properties a resource's state always holds, with null for no value: its outputs and its
 * stored inputs that a program declares (not `connection`, which the plugin keeps as provider
 * configuration and the SDK sends only when it is set, nor internal inputs).
 */
export function stateKeys(spec: DeclaredShape): string[] {
  const inputs = Object.entries(spec.fields)
    .filter(([, f]) => isStored(f) && (f.exposure ?? "argument") !== "dynamic")
    .filter(([, f]) => f.exposure !== "internal")
    .map(([k]) => k);
  return [...inputs, ...Object.keys(spec.outputs)];
}

/** `props` with null for each of `keys` it has no value for (undefined or missing). */
export function withNulls<T extends object>(props: T, keys: readonly string[]): T {
  const out: Record<string, unknown> = { ...(props as Record<string, unknown>) };
  for (const k of keys) if (out[k] === undefined) out[k] = null;
  return out as T;
}

// Defined beside `compact` in common.ts, whose diff drops nulls too (absent.ts imports fields.ts,
// which imports common.ts: common.ts importing it from here would close a cycle).
export { withoutNulls } from "./common";

/** The inputs that the SDK or the plugin passes for `check` alone (exposure `internal`). */
export function internalKeys(spec: DeclaredShape): string[] {
  return Object.entries(spec.fields)
    .filter(([, f]) => f.exposure === "internal")
    .map(([k]) => k);
}
