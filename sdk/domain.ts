import * as pulumi from "@pulumi/pulumi";
import { brand, type DasConnectionArgs } from "./brand";
import { withSecretOutputs } from "./secrets";
import { MODULE, PROVIDERS, setOnly } from "./shim";

/** Inputs of a {@link Domain}. */
export interface DomainArgs {
  /** The domain directory (the one holding `config/domain.xml`), an absolute path. */
  domainDir: pulumi.Input<string>;
  /**
   * The domain's name as asadmin takes it.
   * @default the last part of `domainDir`
   */
  domainName?: pulumi.Input<string>;
  /**
   * The asadmin program the default commands run.
   * @default "asadmin" (from PATH)
   */
  asadmin?: pulumi.Input<string>;
  /**
   * The stop command, program first (never run through a shell).
   * @default asadmin stop-domain --domaindir <parent of domainDir> <domainName>
   */
  stopCommand?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The start command, program first. The DAS must outlive it in a session of its own: what is
   * left of the command's process group is ended when it returns.
   * @default setsid --wait asadmin start-domain --domaindir <parent of domainDir> <domainName>
   */
  startCommand?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Seconds the stop may take, until no process names the domain (1 to 3600).
   * @default 120
   */
  stopTimeoutSeconds?: pulumi.Input<number>;
  /**
   * Seconds the start may take, until `config/pid` names a live process (1 to 3600).
   * @default 600
   */
  startTimeoutSeconds?: pulumi.Input<number>;
  /**
   * The DAS host, reached over SSH (as the IMS resources' `connection`): `domainDir` is then a
   * path there, and the stop and start commands run there. Secret. Give the same connection to
   * the IMS resources of the domain; the {@link DomainStart} takes it from the `Domain`.
   * @default this machine
   */
  connection?: pulumi.Input<DasConnectionArgs>;
}

/**
 * A GlassFish domain whose DAS glassfish-ims may stop and start (the DAS lifecycle's opt-in).
 * Give its `domainXml` to the IMS resources of the domain: the first write of an `up` that finds
 * the DAS running stops it, and a {@link DomainStart} starts it again after the last write.
 * Without a `Domain`, a running DAS is refused with `DOMAIN_RUNNING`.
 */
export class Domain extends pulumi.dynamic.Resource {
  /** The domain directory. */
  declare readonly domainDir: pulumi.Output<string>;
  /** `<domainDir>/config/domain.xml`: the IMS resources' `domainXml`. */
  declare readonly domainXml: pulumi.Output<string>;
  /** The stop command in effect. */
  declare readonly effectiveStopCommand: pulumi.Output<string[]>;
  /** The start command in effect. */
  declare readonly effectiveStartCommand: pulumi.Output<string[]>;
  /** The DAS host, if it is not this machine. Secret. */
  declare readonly connection: pulumi.Output<DasConnectionArgs | undefined>;

  /**
   * @param name The Pulumi resource name.
   * @param args The domain and how to stop and start it.
   * @param opts Pulumi resource options.
   */
  constructor(name: string, args: DomainArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      PROVIDERS.Domain,
      name,
      {
        ...args,
        ...setOnly({
          connection: args.connection === undefined ? undefined : pulumi.secret(args.connection),
        }),
        domainXml: undefined,
        effectiveStopCommand: undefined,
        effectiveStartCommand: undefined,
      },
      withSecretOutputs(opts, ["connection"]),
      MODULE,
      "Domain",
    );
    brand(this, "Domain");
  }
}

/** Inputs of a {@link DomainStart}. */
export interface DomainStartArgs {
  /** The {@link Domain} to start again. */
  domain: Domain;
  /**
   * Every IMS resource of the domain: the start runs after them (their `xmlDigest` outputs are
   * its triggers, so preview shows it when one of them changes).
   */
  after: ReadonlyArray<{ xmlDigest: pulumi.Output<string> } & pulumi.Resource>;
  /**
   * Also start the domain when it was stopped before the `up`.
   * @default false
   */
  ensureRunning?: pulumi.Input<boolean>;
}

/**
 * Starts a {@link Domain}'s DAS again after the last write of an `up`, when glassfish-ims stopped
 * it: in this `up`, or in one that failed or was killed (the marker `config/glassfish-ims.stopped`
 * says so). An `up` that writes nothing starts nothing.
 */
export class DomainStart extends pulumi.dynamic.Resource {
  /** True when its last step started the domain. */
  declare readonly started: pulumi.Output<boolean>;
  /** The DAS's process id after that start. */
  declare readonly pid: pulumi.Output<number | undefined>;

  /**
   * @param name The Pulumi resource name.
   * @param args The domain and the resources it starts after.
   * @param opts Pulumi resource options (`dependsOn` is added to, never replaced).
   */
  constructor(name: string, args: DomainStartArgs, opts?: pulumi.CustomResourceOptions) {
    const deps = opts?.dependsOn;
    const dependsOn = [
      ...(deps === undefined ? [] : Array.isArray(deps) ? deps : [deps]),
      ...args.after,
    ] as pulumi.Input<pulumi.Resource>[];
    super(
      PROVIDERS.DomainStart,
      name,
      {
        domainXml: args.domain.domainXml,
        triggers: args.after.map((r) => r.xmlDigest),
        ensureRunning: args.ensureRunning,
        // The Domain's DAS host (its secret output: absent for a local domain).
        connection: args.domain.connection,
        started: undefined,
        pid: undefined,
      },
      withSecretOutputs({ ...opts, dependsOn }, ["connection"]),
      MODULE,
      "DomainStart",
    );
    brand(this, "DomainStart");
  }
}
