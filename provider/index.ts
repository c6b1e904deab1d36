import type { ResourceModule, ResourceOperations } from "./engine";
import {
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
import { machineUser, poolUser, type UserInputs, type UserOutputs } from "./resources/user";
import * as virtualization from "./resources/virtualization";
import type { VirtualizationInputs, VirtualizationOutputs } from "./resources/virtualization";
import { inFlight, startWatchdog } from "./watchdog";

export type { ResourceModule, ResourceOperations } from "./engine";

/** The property maps the engine passes: what `check` returned, or what the state records. */
type Props = Record<string, unknown>;

/**
 * The engine-facing operations of one resource module. The engine's values are taken as the
 * module's types here, and only here: they are what its own `check` and `create` produced.
 */
function operations<I extends object, O extends object>(
  m: ResourceModule<I, O>,
): ResourceOperations {
  // create, read, update and delete may write: counted in flight so the watchdog lets them end.
  return {
    check: (olds, news) => (startWatchdog(), m.check(olds as Props, news as Props)),
    diff: (id, olds, news) => (startWatchdog(), m.diff(id, olds as Props, news as Props)),
    create: (inputs) => inFlight(() => m.create(inputs as I)),
    read: (id, props) => inFlight(() => m.read(id, props as Partial<O>)),
    update: (id, olds, news) => inFlight(() => m.update(id, olds as O, news as I)),
    delete: (id, props) => inFlight(() => m.remove(id, props as O)),
  };
}

// Compile-time proof that each module implements the seam with its own types.
const MODULES = {
  Virtualization: virtualization satisfies ResourceModule<
    VirtualizationInputs,
    VirtualizationOutputs
  >,
  ServerPool: serverPool satisfies ResourceModule<ServerPoolInputs, ServerPoolOutputs>,
  PoolUser: poolUser satisfies ResourceModule<UserInputs, UserOutputs>,
  Machine: machine satisfies ResourceModule<MachineInputs, MachineOutputs>,
  MachineUser: machineUser satisfies ResourceModule<UserInputs, UserOutputs>,
  Domain: domain satisfies ResourceModule<DomainInputs, DomainOutputs>,
  DomainStart: domainStart satisfies ResourceModule<DomainStartInputs, DomainStartOutputs>,
};

/** The provider of each resource kind, by the type name in its token. */
export const providers: Record<string, ResourceOperations> = {
  Virtualization: operations(MODULES.Virtualization),
  ServerPool: operations(MODULES.ServerPool),
  PoolUser: operations(MODULES.PoolUser),
  Machine: operations(MODULES.Machine),
  MachineUser: operations(MODULES.MachineUser),
  Domain: operations(MODULES.Domain),
  DomainStart: operations(MODULES.DomainStart),
};
