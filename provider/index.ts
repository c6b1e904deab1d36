import * as machine from "./resources/machine";
import * as serverPool from "./resources/server-pool";
import { machineUser, poolUser } from "./resources/user";
import * as virtualization from "./resources/virtualization";
import { inFlight, startWatchdog } from "./watchdog";

/** The operations of one resource kind, called by the SDK's serialized shim. */
export interface ResourceOperations {
  check(olds: unknown, news: unknown): unknown;
  diff(id: string, olds: unknown, news: unknown): unknown;
  create(inputs: unknown): Promise<unknown>;
  read(id: string, props: unknown): Promise<unknown>;
  update(id: string, olds: unknown, news: unknown): Promise<unknown>;
  delete(id: string, props: unknown): Promise<void>;
}

interface Module {
  check: (...a: never[]) => unknown;
  diff: (...a: never[]) => unknown;
  create: (...a: never[]) => Promise<unknown>;
  read: (...a: never[]) => Promise<unknown>;
  update: (...a: never[]) => Promise<unknown>;
  remove: (...a: never[]) => Promise<void>;
}

function operations(m: Module): ResourceOperations {
  // create, read, update and delete may write: counted in flight so the watchdog lets them end.
  const call =
    (f: (...a: never[]) => Promise<unknown>) =>
    (...a: unknown[]) =>
      inFlight(() => f(...(a as never[])));
  return {
    check: (olds, news) => (startWatchdog(), m.check(olds as never, news as never)),
    diff: (id, olds, news) => (startWatchdog(), m.diff(id as never, olds as never, news as never)),
    create: call(m.create),
    read: call(m.read),
    update: call(m.update),
    delete: call(m.remove) as (id: string, props: unknown) => Promise<void>,
  };
}

/** The provider of each resource kind, by the type name in its token. */
export const providers: Record<string, ResourceOperations> = {
  Virtualization: operations(virtualization),
  ServerPool: operations(serverPool),
  PoolUser: operations(poolUser),
  Machine: operations(machine),
  MachineUser: operations(machineUser),
};
