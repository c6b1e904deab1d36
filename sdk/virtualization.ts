import * as pulumi from "@pulumi/pulumi";
import { brand, connectionOf, type DasConnectionArgs, type GlassFishArgs } from "./brand";
import { withSecretOutputs } from "./secrets";
import { COMMON_OUTPUTS, MODULE, PROVIDERS, setOnly, urnInput } from "./shim";

/** The emulator presets of a virtualization (see the README's table). */
export type Emulator = "kvm" | "qemu" | "xen" | "test";

/** Inputs of a {@link Virtualization}. */
export interface VirtualizationArgs extends GlassFishArgs {
  /** Path of the GlassFish `domain.xml` to edit (relative paths are from the Pulumi project). */
  domainXml: pulumi.Input<string>;
  /**
   * The IMS name of the virtualization: letters, digits, `_`, `-`, `.`.
   * @default the Pulumi resource name
   */
  name?: pulumi.Input<string>;
  /**
   * Emulator preset: `kvm`, `qemu` (software emulation), `xen`, or `test` (libvirt's embedded
   * test driver, `test:///default`, no daemon needed).
   * @default "kvm"
   */
  emulator?: pulumi.Input<Emulator>;
  /**
   * Absolute path of the emulator binary.
   * @default the preset's path (`/usr/bin/kvm` for kvm)
   */
  emulatorPath?: pulumi.Input<string>;
  /**
   * libvirt connection-string template; may use `#{auth.sep}`, `#{auth.method}`, `#{user.name}`
   * and `#{target.host}`.
   * @default the preset's template
   */
  connectionString?: pulumi.Input<string>;
  /**
   * How many templates GlassFish keeps cached (0 to 10000).
   * @default 5 (GlassFish's default; not written unless set)
   */
  templateCacheSize?: pulumi.Input<number>;
  /**
   * Seconds between template cache refreshes (1 to 86400).
   * @default 120 (GlassFish's default; not written unless set)
   */
  templateCacheRefreshRate?: pulumi.Input<number>;
  /**
   * Take over an existing `<libvirt-virtualization>` of the same name instead of failing.
   * @default false
   */
  adopt?: pulumi.Input<boolean>;
}

/**
 * A `<libvirt-virtualization>` in a GlassFish domain.xml: what `asadmin
 * create-ims-config-libvirt` creates. Changing `domainXml` or `name` replaces it; everything
 * else updates in place.
 */
export class Virtualization extends pulumi.dynamic.Resource {
  /** Path of the domain.xml. */
  declare readonly domainXml: pulumi.Output<string>;
  /** IMS name of the virtualization. */
  declare readonly name: pulumi.Output<string>;
  /** The emulator preset. */
  declare readonly emulator: pulumi.Output<Emulator>;
  /** The emulator path as set, if it was. */
  declare readonly emulatorPath: pulumi.Output<string | undefined>;
  /** The connection-string template as set, if it was. Secret: it may carry credentials. */
  declare readonly connectionString: pulumi.Output<string | undefined>;
  /** The template cache size as set, if it was. */
  declare readonly templateCacheSize: pulumi.Output<number | undefined>;
  /** The template cache refresh rate as set, if it was. */
  declare readonly templateCacheRefreshRate: pulumi.Output<number | undefined>;
  /** The DAS host that holds the domain.xml, if it is not this machine. Secret. */
  declare readonly connection: pulumi.Output<DasConnectionArgs | undefined>;
  /** The emulator path GlassFish will use ("" for `test`). */
  declare readonly effectiveEmulatorPath: pulumi.Output<string>;
  /** The connection-string template GlassFish will use. Secret: it may carry credentials. */
  declare readonly effectiveConnectionString: pulumi.Output<string>;
  /** True when the last change wrote domain.xml: GlassFish must (re)start to see it. */
  declare readonly restartRequired: pulumi.Output<boolean>;
  /** Digest of the element's XML; use it as a trigger for a domain restart. */
  declare readonly xmlDigest: pulumi.Output<string>;

  /**
   * @param name The Pulumi resource name, also the IMS name unless `args.name` is set.
   * @param args What to write.
   * @param opts Pulumi resource options.
   */
  constructor(name: string, args: VirtualizationArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      PROVIDERS.Virtualization,
      name,
      {
        ...args,
        name: args.name ?? name,
        ...setOnly({ connection: connectionOf(args) }),
        // Secret as an input too (the state's inputs, `pulumi stack export`), as the plugin's
        // schema makes it: a plain string may carry credentials all the same.
        connectionString:
          args.connectionString === undefined ? undefined : pulumi.secret(args.connectionString),
        effectiveEmulatorPath: undefined,
        effectiveConnectionString: undefined,
        ...COMMON_OUTPUTS,
        ...urnInput("Virtualization", name, opts),
      },
      // The template may carry credentials, and refresh reads it from the file: always secret.
      withSecretOutputs(opts, ["connectionString", "effectiveConnectionString", "connection"]),
      MODULE,
      "Virtualization",
    );
    brand(this, "Virtualization");
  }
}
