import * as machine from "./resources/machine";
import * as serverPool from "./resources/server-pool";
import { machineUser, poolUser } from "./resources/user";
import * as virtualization from "./resources/virtualization";

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
  const { remove, ...rest } = m;
  return { ...rest, delete: remove } as unknown as ResourceOperations;
}

/** The provider of each resource kind, by the type name in its token. */
export const providers: Record<string, ResourceOperations> = {
  Virtualization: operations(virtualization),
  ServerPool: operations(serverPool),
  PoolUser: operations(poolUser),
  Machine: operations(machine),
  MachineUser: operations(machineUser),
};
