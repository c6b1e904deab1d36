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
import type { ServerPool } from "./serverPool";
import { withSecretOutputs } from "./secrets";
import { COMMON_OUTPUTS, MODULE, PROVIDERS, setOnly, urnInput } from "./shim";

/** Inputs of a {@link Machine}. Give exactly one way to reach it: localhost, `ip` or `mac`. */
export interface MachineArgs extends GlassFishArgs {
  /** The pool: the resource (recommended) or its IMS name. */
  serverPool: ParentRef<ServerPool>;
  /** Path of domain.xml; inherited from `serverPool` when it is the resource. */
  domainXml?: pulumi.Input<string>;
  /**
   * IMS name of the machine (unique among machines of the domain).
   * @default the Pulumi resource name
   */
  name?: pulumi.Input<string>;
  /** `"localhost"` for the DAS host itself; or a network label to go with `ip` or `mac`. */
  networkName?: pulumi.Input<string>;
  /** A fixed IPv4 address inside the pool's subnet. */
  ip?: pulumi.Input<string>;
  /** The MAC address (`:` or `-` separated, any case; stored lower-case with `:`). */
  mac?: pulumi.Input<string>;
  /**
   * Where VM disks go on the machine.
   * @default "virt/disks" (not written unless set)
   */
  disksLocation?: pulumi.Input<string>;
  /**
   * Where templates go on the machine.
   * @default "virt/templates" (not written unless set)
   */
  templatesLocation?: pulumi.Input<string>;
  /**
   * Where the template cache goes on the machine.
   * @default "virt/cache" (not written unless set)
   */
  templateCacheLocation?: pulumi.Input<string>;
  /**
   * Check the libvirt connection (SPEC §5) on create and update (a failure writes nothing) and on
   * refresh (a failure shows as `connectionError`).
   * @default true
   */
  verifyConnection?: pulumi.Input<boolean>;
  /**
   * Time budget for finding a `mac` machine on the pool subnet, in milliseconds.
   * @default 3000
   */
  discoveryTimeoutMs?: pulumi.Input<number>;
  /**
   * Allow discovery to sweep a pool subnet larger than a /22.
   * @default false
   */
  allowLargeSweep?: pulumi.Input<boolean>;
  /**
   * Time bound of the libvirt connectivity check, in milliseconds.
   * @default 10000
   */
  connectTimeoutMs?: pulumi.Input<number>;
  /**
   * Let the connection string run a program or use a local file of its choosing (libvirt's
   * `command=`, `netcat=`, `socket=`, `known_hosts=`, `known_hosts_verify=`, the `+ext`
   * transport). The template is read from domain.xml, so without this whoever can write that file
   * could make `pulumi up` or `refresh` run any program; the check is refused instead.
   * @default false
   */
  allowUriCommand?: pulumi.Input<boolean>;
  /**
   * Take over an existing `<machines>` of the same name in this pool.
   * @default false
   */
  adopt?: pulumi.Input<boolean>;
}

/**
 * A `<machines>` element in a pool: what `asadmin create-machine` creates. Changing the file, the
 * pool (or its virtualization) or the name replaces it; the rest updates in place.
 */
export class Machine extends pulumi.dynamic.Resource {
  /** Path of the domain.xml. */
  declare readonly domainXml: pulumi.Output<string>;
  /** The DAS host that holds the domain.xml, if it is not this machine. Secret. */
  declare readonly connection: pulumi.Output<DasConnectionArgs | undefined>;
  /** IMS name of the virtualization, when the pool was given as a resource. */
  declare readonly virtualization: pulumi.Output<string | undefined>;
  /** IMS name of the pool. */
  declare readonly serverPool: pulumi.Output<string>;
  /** IMS name of the machine. */
  declare readonly name: pulumi.Output<string>;
  /** The machine's IPv4 address, when known (`127.0.0.1` for localhost). */
  declare readonly ipAddress: pulumi.Output<string | undefined>;
  /** How the address was found: `localhost`, `fixed`, `mac`, or `unresolved` (see `resolution`). */
  declare readonly resolvedBy: pulumi.Output<string>;
  /** Why the address is not known, when it is not. */
  declare readonly resolution: pulumi.Output<string | undefined>;
  /** For a `mac` machine: the DAS port and address the sweep ran from. */
  declare readonly discoveredVia: pulumi.Output<string | undefined>;
  /**
   * The virtualization's connection string expanded for this machine, e.g. `qemu:///system`,
   * with credentials replaced by `***` (`user:pw@` becomes `user@`, `password=***`).
   */
  declare readonly libvirtUri: pulumi.Output<string | undefined>;
  /** The host name the hypervisor reported (when the connection is verified). */
  declare readonly hostname: pulumi.Output<string | undefined>;
  /** The libvirt version the connection used. */
  declare readonly libvirtVersion: pulumi.Output<string | undefined>;
  /** The hypervisor's type, e.g. `QEMU`. */
  declare readonly hypervisorType: pulumi.Output<string | undefined>;
  /** The hypervisor's version. */
  declare readonly hypervisorVersion: pulumi.Output<string | undefined>;
  /** Why the last refresh could not connect, when it could not. */
  declare readonly connectionError: pulumi.Output<string | undefined>;
  /** True when the last change wrote domain.xml: GlassFish must (re)start to see it. */
  declare readonly restartRequired: pulumi.Output<boolean>;
  /** Digest of the machine element's XML. */
  declare readonly xmlDigest: pulumi.Output<string>;

  /**
   * @param name The Pulumi resource name, also the IMS name unless `args.name` is set.
   * @param args What to write.
   * @param opts Pulumi resource options.
   */
  constructor(name: string, args: MachineArgs, opts?: pulumi.CustomResourceOptions) {
    const pool = asParent<ServerPool>(args.serverPool, "ServerPool");
    super(
      PROVIDERS.Machine,
      name,
      {
        domainXml:
          args.domainXml ??
          pool?.domainXml ??
          requireDomainXml(`Machine ${name}`, "serverPool", undefined),
        virtualization: pool?.virtualization,
        serverPool: pool ? pool.name : args.serverPool,
        name: args.name ?? name,
        ...setOnly({
          poolSubnet: pool?.subnet,
          networkName: args.networkName,
          ip: args.ip,
          mac: args.mac,
          disksLocation: args.disksLocation,
          templatesLocation: args.templatesLocation,
          templateCacheLocation: args.templateCacheLocation,
          verifyConnection: args.verifyConnection,
          discoveryTimeoutMs: args.discoveryTimeoutMs,
          allowLargeSweep: args.allowLargeSweep,
          connectTimeoutMs: args.connectTimeoutMs,
          allowUriCommand: args.allowUriCommand,
          adopt: args.adopt,
          allowUnsupportedGlassFish: args.allowUnsupportedGlassFish,
          connection: connectionOf(args, pool),
          parentInProgram: parentInProgram(pool, opts),
        }),
        ipAddress: undefined,
        resolvedBy: undefined,
        resolution: undefined,
        discoveredVia: undefined,
        libvirtUri: undefined,
        hostname: undefined,
        libvirtVersion: undefined,
        hypervisorType: undefined,
        hypervisorVersion: undefined,
        connectionError: undefined,
        ...COMMON_OUTPUTS,
        ...urnInput("Machine", name, opts),
      },
      withSecretOutputs(opts, ["connection"]),
      MODULE,
      "Machine",
    );
    brand(this, "Machine");
  }
}
