export { Virtualization, type VirtualizationArgs, type Emulator } from "./virtualization";
export { ServerPool, type ServerPoolArgs } from "./serverPool";
export { Machine, type MachineArgs } from "./machine";
export {
  PoolUser,
  MachineUser,
  type PoolUserArgs,
  type MachineUserArgs,
  type UserArgs,
} from "./users";
export { Domain, DomainStart, type DomainArgs, type DomainStartArgs } from "./domain";
