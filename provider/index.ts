import type { ResourceModule, ResourceOperations } from "./engine";
import type { OperationContext } from "./progress";
import {
  internalKeys,
  stateKeys,
  withNulls,
  withoutNulls,
  type DeclaredShape,
} from "./resources/absent";
import { KINDS } from "./resources/kinds";
import { inFlight, startWatchdog } from "./watchdog";

export type { ResourceModule, ResourceOperations } from "./engine";
export type { OperationContext, Progress } from "./progress";
export { dynamicContext } from "./plugin/engine-log";

/** The property maps the engine passes: what `check` returned, or what the state records. */
type Props = Record<string, unknown>;

/**
 * The engine-facing operations of one resource module. The engine's values are taken as the
 * module's types here, and only here: they are what its own `check` and `create` produced. What
 * the state records holds null for every declared property without a value (see absent.ts), and
 * the module sees those as absent. Internal inputs (the SDK's `parentInProgram`, `poolSubnet`)
 * serve `check` only: they are neither recorded nor shown.
 */
function operations<I extends object, O extends object>(
  m: ResourceModule<I, O>,
  spec: DeclaredShape,
): ResourceOperations {
  const keys = stateKeys(spec);
  const internal = internalKeys(spec);
  const state = <T extends object>(outs: T): T => withNulls(outs, keys);
  const given = (props: unknown) => withoutNulls(props) as Props;
  // Progress reported during an operation is shown before its result.
  const settled = async <T>(ctx: OperationContext | undefined, work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } finally {
      await ctx?.settled?.();
    }
  };
  // create, read, update and delete may write: counted in flight so the watchdog lets them end.
  return {
    check: async (olds, news) => {
      startWatchdog();
      const r = await m.check(given(olds), given(news));
      // What the SDK (or the plugin) passes for check alone leaves with check: the engine
      // records, shows and hands on only the inputs a program gives. An internal input that
      // check itself sets (DomainStart's pendingStart, which makes diff see a domain to start)
      // stays: it is check's answer, not the caller's.
      const passed = (news ?? {}) as Props;
      for (const k of internal) if (k in passed) delete r.inputs[k];
      return r;
    },
    diff: (id, olds, news) => (startWatchdog(), m.diff(id, given(olds), given(news))),
    create: (inputs, ctx) =>
      inFlight(async () => {
        const r = await settled(ctx, m.create(given(inputs) as I, ctx));
        return { ...r, outs: state(r.outs) };
      }),
    read: (id, props, ctx) =>
      inFlight(async () => {
        const r = await settled(ctx, m.read(id, given(props) as Partial<O>, ctx));
        return r.props === undefined ? r : { ...r, props: state(r.props) };
      }),
    update: (id, olds, news, ctx) =>
      inFlight(async () => {
        const r = await settled(ctx, m.update(id, given(olds) as O, given(news) as I, ctx));
        return { ...r, outs: state(r.outs) };
      }),
    delete: (id, props) => inFlight(() => m.remove(id, given(props) as O)),
  };
}

/** The provider of each resource kind, by the type name in its token (see resources/kinds.ts). */
export const providers: Record<string, ResourceOperations> = Object.fromEntries(
  KINDS.map((k) => [k.type, k.serve(operations)]),
);
