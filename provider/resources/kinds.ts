// The registry of the resource kinds: the one list that the providers (../index.ts), the schema
// and the README tables (../schema.ts), and the plugin (through ../engine.ts: the parent inputs
// and IDs) iterate. A new kind is registered here, with its declaration and its module.
import type { ResourceModule } from "../engine-types";
import type { ResourceDoc } from "../schema";
import type { DeclaredShape } from "./absent";
import {
  DOMAIN_SPEC,
  DOMAIN_START_SPEC,
  domain,
  domainStart,
  type DomainInputs,
  type DomainOutputs,
  type DomainStartInputs,
  type DomainStartOutputs,
} from "./domain";
import type { IdForm, KindPlace, ParentLink } from "./ids";
import * as machine from "./machine";
import type { MachineInputs, MachineOutputs } from "./machine";
import * as serverPool from "./server-pool";
import type { ServerPoolInputs, ServerPoolOutputs } from "./server-pool";
import {
  MACHINE_USER_SPEC,
  machineUser,
  POOL_USER_SPEC,
  poolUser,
  type UserInputs,
  type UserOutputs,
} from "./user";
import * as virtualization from "./virtualization";
import type { VirtualizationInputs, VirtualizationOutputs } from "./virtualization";

/** A kind's declaration as the registry reads it: its schema view, its ID and its parent. */
export type KindSpec = ResourceDoc & DeclaredShape & KindPlace;

/**
 * What serves a kind's module, whatever its inputs `I` and outputs `O` (../index.ts passes the
 * adapter to the engine's calls): the registry keeps each module with its own types this way.
 */
export type ModuleUser<R> = <I extends object, O extends object>(
  module: ResourceModule<I, O>,
  spec: KindSpec,
) => R;

/** One resource kind. */
export interface Kind {
  /** The type name in its tokens, e.g. `Machine`. */
  type: string;
  /** Its declaration: fields, outputs, ID form, parent. */
  spec: KindSpec;
  /** How its resource ID is spelled. */
  id: IdForm;
  /** The kind it hangs under, and its input naming it; none at the top. */
  parent?: ParentLink;
  /** Hands its module, with the module's own types, to `use`. */
  serve<R>(use: ModuleUser<R>): R;
}

/** A registry entry; `satisfies ResourceModule<I, O>` at each call proves the module fits. */
function kind<I extends object, O extends object>(
  spec: KindSpec,
  module: ResourceModule<I, O>,
): Kind {
  return {
    type: spec.type,
    spec,
    id: spec.id,
    ...(spec.parent ? { parent: spec.parent } : {}),
    serve: (use) => use(module, spec),
  };
}

/** Every kind, in the order the schema, the README and the providers list them. */
export const KINDS: readonly Kind[] = [
  kind(
    virtualization.SPEC,
    virtualization satisfies ResourceModule<VirtualizationInputs, VirtualizationOutputs>,
  ),
  // Its extra parameters (the effects tests pass) stay the defaults here.
  kind(serverPool.SPEC, {
    ...serverPool,
    create: (i) => serverPool.create(i),
    read: (id, props) => serverPool.read(id, props),
    update: (id, olds, news) => serverPool.update(id, olds, news),
  } satisfies ResourceModule<ServerPoolInputs, ServerPoolOutputs>),
  kind(POOL_USER_SPEC, poolUser satisfies ResourceModule<UserInputs, UserOutputs>),
  // The machine's long steps (discovery, the libvirt check) report progress; its own extra
  // parameters (the effects tests pass) stay the defaults here.
  kind(machine.SPEC, {
    ...machine,
    create: (i, ctx) => machine.create(i, undefined, undefined, ctx?.progress),
    read: (id, props, ctx) => machine.read(id, props, undefined, undefined, ctx?.progress),
    update: (id, olds, news, ctx) =>
      machine.update(id, olds, news, undefined, undefined, ctx?.progress),
  } satisfies ResourceModule<MachineInputs, MachineOutputs>),
  kind(MACHINE_USER_SPEC, machineUser satisfies ResourceModule<UserInputs, UserOutputs>),
  kind(DOMAIN_SPEC, domain satisfies ResourceModule<DomainInputs, DomainOutputs>),
  kind(
    DOMAIN_START_SPEC,
    domainStart satisfies ResourceModule<DomainStartInputs, DomainStartOutputs>,
  ),
];

/** The kind of type name `type`; undefined for a name that is not one. */
export function kindNamed(type: string): Kind | undefined {
  return KINDS.find((k) => k.type === type);
}

/**
 * Every ancestor input of `type`'s kind, nearest first (a MachineUser's `machine`, `serverPool`,
 * `virtualization`): its parent link, then its parent's, up to a kind at the top.
 */
export function ancestorsOf(type: string): ParentLink[] {
  const out: ParentLink[] = [];
  for (let k = kindNamed(type); k?.parent; k = kindNamed(k.parent.kind)) out.push(k.parent);
  return out;
}
