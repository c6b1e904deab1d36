import * as pulumi from "@pulumi/pulumi";
import {
  connectionOf,
  type DasConnectionArgs,
  asParent,
  brand,
  parentInProgram,
  requireDomainXml,
  type GlassFishArgs,
  type ParentRef,
} from "./brand";
import type { Machine } from "./machine";
import type { ServerPool } from "./serverPool";
import { withSecretOutputs } from "./secrets";
import { COMMON_OUTPUTS, MODULE, PROVIDERS, setOnly, urnInput } from "./shim";

/** The unix account IMS uses on the machines; what both user resources write. */
export interface UserArgs extends GlassFishArgs {
  /** Path of domain.xml; inherited from the parent resource. */
  domainXml?: pulumi.Input<string>;
  /**
   * Unix user name (lower-case letters, digits, `_`, `-`).
   * @default the Pulumi resource name
   */
  name?: pulumi.Input<string>;
  /** Unix user id (0 to 4294967294). */
  userId: pulumi.Input<number>;
  /** Unix group id (0 to 4294967294). */
  groupId: pulumi.Input<number>;
  /**
   * libvirt transport: `ssh`, `libssh`, `libssh2`, `tls`, `tcp`, `unix`, or `""` for none.
   * @default "ssh" (GlassFish's default; not written unless set)
   */
  authMethod?: pulumi.Input<string>;
  /**
   * Take over a user that is already set instead of failing.
   * @default false
   */
  adopt?: pulumi.Input<boolean>;
}

/** Inputs of a {@link PoolUser}. */
export interface PoolUserArgs extends UserArgs {
  /** The pool: the resource (recommended) or its IMS name. */
  serverPool: ParentRef<ServerPool>;
}

/** Inputs of a {@link MachineUser}. */
export interface MachineUserArgs extends UserArgs {
  /** The machine: the resource (recommended) or its IMS name. */
  machine: ParentRef<Machine>;
  /** IMS name of the machine's pool, when `machine` is given by name (optional). */
  serverPool?: pulumi.Input<string>;
}

/** Outputs both user resources declare. */
abstract class UserResource extends pulumi.dynamic.Resource {
  /** Path of the domain.xml. */
  declare readonly domainXml: pulumi.Output<string>;
  /** The DAS host that holds the domain.xml, if it is not this machine. Secret. */
  declare readonly connection: pulumi.Output<DasConnectionArgs | undefined>;
  /** Unix user name. */
  declare readonly name: pulumi.Output<string>;
  /** Unix user id. */
  declare readonly userId: pulumi.Output<number>;
  /** Unix group id. */
  declare readonly groupId: pulumi.Output<number>;
  /** libvirt transport as set, if it was. */
  declare readonly authMethod: pulumi.Output<string | undefined>;
  /** True when the last change wrote domain.xml: GlassFish must (re)start to see it. */
  declare readonly restartRequired: pulumi.Output<boolean>;
  /** Digest of the `<user>` element's XML. */
  declare readonly xmlDigest: pulumi.Output<string>;
}

function userProps(args: UserArgs, name: string) {
  return {
    name: args.name ?? name,
    userId: args.userId,
    groupId: args.groupId,
    authMethod: args.authMethod,
    ...setOnly({ adopt: args.adopt, allowUnsupportedGlassFish: args.allowUnsupportedGlassFish }),
    ...COMMON_OUTPUTS,
  };
}

/**
 * The pool's `<user>`: what `asadmin create-server-pool-user` sets. The element is mandatory, so
 * delete empties it again. Changing the pool replaces; the rest (the name too) updates in place.
 */
export class PoolUser extends UserResource {
  /** IMS name of the pool. */
  declare readonly serverPool: pulumi.Output<string>;

  /**
   * @param name The Pulumi resource name, also the unix user name unless `args.name` is set.
   * @param args What to write.
   * @param opts Pulumi resource options.
   */
  constructor(name: string, args: PoolUserArgs, opts?: pulumi.CustomResourceOptions) {
    const pool = asParent<ServerPool>(args.serverPool, "ServerPool");
    super(
      PROVIDERS.PoolUser,
      name,
      {
        domainXml:
          args.domainXml ??
          pool?.domainXml ??
          requireDomainXml(`PoolUser ${name}`, "serverPool", undefined),
        virtualization: pool?.virtualization,
        serverPool: pool ? pool.name : args.serverPool,
        ...userProps(args, name),
        ...setOnly({
          connection: connectionOf(args, pool),
          parentInProgram: parentInProgram(pool, opts),
        }),
        ...urnInput("PoolUser", name, opts),
      },
      withSecretOutputs(opts, ["connection"]),
      MODULE,
      "PoolUser",
    );
    brand(this, "PoolUser");
  }
}

/**
 * The machine's optional `<user>`: what `asadmin create-machine-user` adds. Changing the machine
 * replaces; the rest (the name too) updates in place.
 */
export class MachineUser extends UserResource {
  /** IMS name of the machine. */
  declare readonly machine: pulumi.Output<string>;

  /**
   * @param name The Pulumi resource name, also the unix user name unless `args.name` is set.
   * @param args What to write.
   * @param opts Pulumi resource options.
   */
  constructor(name: string, args: MachineUserArgs, opts?: pulumi.CustomResourceOptions) {
    const machine = asParent<Machine>(args.machine, "Machine");
    super(
      PROVIDERS.MachineUser,
      name,
      {
        domainXml:
          args.domainXml ??
          machine?.domainXml ??
          requireDomainXml(`MachineUser ${name}`, "machine", undefined),
        virtualization: machine?.virtualization,
        serverPool: machine ? machine.serverPool : args.serverPool,
        machine: machine ? machine.name : args.machine,
        ...userProps(args, name),
        ...setOnly({
          connection: connectionOf(args, machine),
          parentInProgram: parentInProgram(machine, opts),
        }),
        ...urnInput("MachineUser", name, opts),
      },
      withSecretOutputs(opts, ["connection"]),
      MODULE,
      "MachineUser",
    );
    brand(this, "MachineUser");
  }
}
