import type { ResourceModule, ResourceOperations } from "./engine";
import type { OperationContext } from "./progress";
import {
  internalKeys,
  stateKeys,
  withNulls,
  withoutNulls,
  type DeclaredShape,
} from "./resources/absent";
import {
  DOMAIN_SPEC,
  DOMAIN_START_SPEC,
  domain,
  domainStart,
  type DomainInputs,
  type DomainOutputs,
  type DomainStartInputs,
  type DomainStartOutputs,
} from "./resources/domain";
import * as machine from "./resources/machine";
import type { MachineInputs, MachineOutputs } from "./resources/machine";
import * as serverPool from "./resources/server-pool";
import type { ServerPoolInputs, ServerPoolOutputs } from "./resources/server-pool";
import {
  MACHINE_USER_SPEC,
  machineUser,
  POOL_USER_SPEC,
  poolUser,
  type UserInputs,
  type UserOutputs,
} from "./resources/user";
import * as virtualization from "./resources/virtualization";
import type { VirtualizationInputs, VirtualizationOutputs } from "./resources/virtualization";
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

// Compile-time proof that each module implements the seam with its own types.
const MODULES = {
  Virtualization: virtualization satisfies ResourceModule<
    VirtualizationInputs,
    VirtualizationOutputs
  >,
  // Its extra parameters (the effects tests pass) stay the defaults here.
  ServerPool: {
    ...serverPool,
    create: (i) => serverPool.create(i),
    read: (id, props) => serverPool.read(id, props),
    update: (id, olds, news) => serverPool.update(id, olds, news),
  } satisfies ResourceModule<ServerPoolInputs, ServerPoolOutputs>,
  PoolUser: poolUser satisfies ResourceModule<UserInputs, UserOutputs>,
  // The machine's long steps (discovery, the libvirt check) report progress; its own extra
  // parameters (the effects tests pass) stay the defaults here.
  Machine: {
    ...machine,
    create: (i, ctx) => machine.create(i, undefined, undefined, ctx?.progress),
    read: (id, props, ctx) => machine.read(id, props, undefined, undefined, ctx?.progress),
    update: (id, olds, news, ctx) =>
      machine.update(id, olds, news, undefined, undefined, ctx?.progress),
  } satisfies ResourceModule<MachineInputs, MachineOutputs>,
  MachineUser: machineUser satisfies ResourceModule<UserInputs, UserOutputs>,
  Domain: domain satisfies ResourceModule<DomainInputs, DomainOutputs>,
  DomainStart: domainStart satisfies ResourceModule<DomainStartInputs, DomainStartOutputs>,
};

/** The provider of each resource kind, by the type name in its token. */
export const providers: Record<string, ResourceOperations> = {
  Virtualization: operations(MODULES.Virtualization, virtualization.SPEC),
  ServerPool: operations(MODULES.ServerPool, serverPool.SPEC),
  PoolUser: operations(MODULES.PoolUser, POOL_USER_SPEC),
  Machine: operations(MODULES.Machine, machine.SPEC),
  MachineUser: operations(MODULES.MachineUser, MACHINE_USER_SPEC),
  Domain: operations(MODULES.Domain, DOMAIN_SPEC),
  DomainStart: operations(MODULES.DomainStart, DOMAIN_START_SPEC),
};
