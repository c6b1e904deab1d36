// The types of the seam with the Pulumi engine (engine.ts), declared without importing Pulumi:
// provider/ never does (it is loaded by the dynamic provider host from the installed package, see
// sdk/shim.ts). They import nothing of resources/ or domain/, so the resources can implement them
// and engine.ts can re-export resource code for the plugin without an import cycle.
import type { OperationContext } from "./progress";

/** A failed check, as the dynamic provider reports it: the property at fault and what to do. */
export interface CheckFailure {
  /** The input property at fault. */
  property: string;
  /** What is wrong, the value (never a secret's) and the fix. */
  reason: string;
}

/**
 * The result of `diff`: what the dynamic provider host reads (`changes`, `replaces`,
 * `deleteBeforeReplace`), plus every changed key, which a provider plugin reports per property.
 */
export interface DiffResult {
  /** True exactly when `diffs` is not empty. */
  changes: boolean;
  /** The changed keys whose change replaces the element. */
  replaces: string[];
  /** The replacement deletes the old element first (it holds the same XML key). */
  deleteBeforeReplace: boolean;
  /** Every input key whose value differs, in field-table order. */
  diffs: string[];
}

/** What `check` returns: the normalized inputs and every failure at once. */
export interface CheckResult {
  /** The inputs as `diff`, `create` and `update` will see them. */
  inputs: Record<string, unknown>;
  /** Every failure, each naming its property. */
  failures: CheckFailure[];
}

/** What `create` returns. */
export interface CreateResult<O> {
  /** The resource's ID (see each resource's `idOf`). */
  id: string;
  /** What the state records. */
  outs: O;
}

/** What `read` returns; no `id` when the element is gone (the resource leaves the state). */
export interface ReadResult<I, O> {
  /** The ID, when the element is still there. */
  id?: string;
  /** What the state records now. */
  props?: O;
  /** The inputs as the file has them, so a hand edit shows as drift. */
  inputs?: I;
}

/** What `update` returns. */
export interface UpdateResult<O> {
  /** What the state records. */
  outs: O;
}

/**
 * What one resource module implements, with its own inputs `I` and outputs `O`. Members are
 * function-typed properties, not methods, so that a module is checked strictly (a method's
 * parameters would be compared both ways).
 */
export interface ResourceModule<I, O> {
  /** Validates and normalizes inputs; reads the file only when the step would write it. */
  check: (olds: Record<string, unknown>, news: Record<string, unknown>) => Promise<CheckResult>;
  /** Explicit diff, derived from the resource's field table. */
  diff: (id: string, olds: Record<string, unknown>, news: Record<string, unknown>) => DiffResult;
  /** Writes the element (or takes an existing one over); `ctx` hears of long steps. */
  create: (inputs: I, ctx?: OperationContext) => Promise<CreateResult<O>>;
  /** What the file says now. */
  read: (id: string, props: Partial<O>, ctx?: OperationContext) => Promise<ReadResult<I, O>>;
  /** Rewrites what the resource manages. */
  update: (id: string, olds: O, news: I, ctx?: OperationContext) => Promise<UpdateResult<O>>;
  /** Removes the element; already gone is fine. */
  remove: (id: string, props: O) => Promise<void>;
}

/**
 * The operations of one resource kind as the engine calls them, through the SDK's serialized
 * shim: the shape of Pulumi's `dynamic.ResourceProvider` (whose `diff` the host awaits, so a
 * plain result serves). The engine's values are untyped: they are what `check` returned (inputs)
 * or what the resource recorded (state).
 */
export interface ResourceOperations {
  /** See {@link ResourceModule.check}. */
  check(olds: unknown, news: unknown): Promise<CheckResult>;
  /** See {@link ResourceModule.diff}. */
  diff(id: string, olds: unknown, news: unknown): DiffResult;
  /** See {@link ResourceModule.create}. */
  create(inputs: unknown, ctx?: OperationContext): Promise<CreateResult<object>>;
  /** See {@link ResourceModule.read}. */
  read(id: string, props: unknown, ctx?: OperationContext): Promise<ReadResult<object, object>>;
  /** See {@link ResourceModule.update}. */
  update(
    id: string,
    olds: unknown,
    news: unknown,
    ctx?: OperationContext,
  ): Promise<UpdateResult<object>>;
  /** See {@link ResourceModule.remove}. */
  delete(id: string, props: unknown): Promise<void>;
}
