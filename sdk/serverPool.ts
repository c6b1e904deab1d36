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
import { withSecretOutputs } from "./secrets";
import { COMMON_OUTPUTS, MODULE, PROVIDERS, setOnly, urnInput } from "./shim";
import type { Virtualization } from "./virtualization";

/** Inputs of a {@link ServerPool}. */
export interface ServerPoolArgs extends GlassFishArgs {
  /** The virtualization the pool belongs to: the resource (recommended) or its IMS name. */
  virtualization: ParentRef<Virtualization>;
  /** Path of domain.xml; inherited from `virtualization` when it is the resource. */
  domainXml?: pulumi.Input<string>;
  /**
   * IMS name of the pool (unique among pools of the domain).
   * @default the Pulumi resource name
   */
  name?: pulumi.Input<string>;
  /** The pool's IPv4 subnet in CIDR form, e.g. `10.132.181.0/24` (the network address). */
  subnet: pulumi.Input<string>;
  /**
   * Network interfaces of the DAS host, in the order they are tried (e.g. `["cscotun0", "br0"]`);
   * written `;`-joined as `port-name`.
   */
  portNames: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Take over an existing `<server-pool>` of the same name under this virtualization.
   * @default false
   */
  adopt?: pulumi.Input<boolean>;
}

/**
 * A `<server-pool>` with its mandatory `<user/>`: what `asadmin create-server-pool` creates.
 * Changing `domainXml`, `virtualization` or `name` replaces it (deleting first: pool names are
 * unique); `subnet` and `portNames` update in place.
 */
export class ServerPool extends pulumi.dynamic.Resource {
  /** Path of the domain.xml. */
  declare readonly domainXml: pulumi.Output<string>;
  /** The DAS host that holds the domain.xml, if it is not this machine. Secret. */
  declare readonly connection: pulumi.Output<DasConnectionArgs | undefined>;
  /** IMS name of the virtualization. */
  declare readonly virtualization: pulumi.Output<string>;
  /** IMS name of the pool. */
  declare readonly name: pulumi.Output<string>;
  /** The subnet, in canonical CIDR form. */
  declare readonly subnet: pulumi.Output<string>;
  /** The DAS interfaces, in order. */
  declare readonly portNames: pulumi.Output<string[]>;
  /** The DAS address on the first port that has one in the subnet ("group master" address). */
  declare readonly dasAddress: pulumi.Output<string | undefined>;
  /** The port `dasAddress` is on. */
  declare readonly dasPort: pulumi.Output<string | undefined>;
  /** Why there is no DAS address, when there is none. */
  declare readonly dasResolution: pulumi.Output<string | undefined>;
  /** True when the last change wrote domain.xml: GlassFish must (re)start to see it. */
  declare readonly restartRequired: pulumi.Output<boolean>;
  /** Digest of the pool element's XML (with its user and machines). */
  declare readonly xmlDigest: pulumi.Output<string>;

  /**
   * @param name The Pulumi resource name, also the IMS name unless `args.name` is set.
   * @param args What to write.
   * @param opts Pulumi resource options.
   */
  constructor(name: string, args: ServerPoolArgs, opts?: pulumi.CustomResourceOptions) {
    const parent = asParent<Virtualization>(args.virtualization, "Virtualization");
    super(
      PROVIDERS.ServerPool,
      name,
      {
        domainXml:
          args.domainXml ??
          parent?.domainXml ??
          requireDomainXml(`ServerPool ${name}`, "virtualization", undefined),
        virtualization: parent ? parent.name : args.virtualization,
        name: args.name ?? name,
        subnet: args.subnet,
        portNames: args.portNames,
        ...setOnly({
          adopt: args.adopt,
          allowUnsupportedGlassFish: args.allowUnsupportedGlassFish,
          connection: connectionOf(args, parent),
          parentInProgram: parentInProgram(parent, opts),
        }),
        dasAddress: undefined,
        dasPort: undefined,
        dasResolution: undefined,
        ...COMMON_OUTPUTS,
        ...urnInput("ServerPool", name, opts),
      },
      withSecretOutputs(opts, ["connection"]),
      MODULE,
      "ServerPool",
    );
    brand(this, "ServerPool");
  }
}
