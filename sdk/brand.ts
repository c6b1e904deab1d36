import * as pulumi from "@pulumi/pulumi";

const BRAND = "__glassfishImsType";

/** Marks a resource as one of ours, for {@link asParent}. Brands survive several SDK copies. */
export function brand(resource: object, type: string): void {
  Object.defineProperty(resource, BRAND, { value: type, enumerable: false });
}

/**
 * How to reach the DAS host that holds domain.xml over SSH: the fields of pulumi-command's
 * `remote.Connection`, plus host-key pinning (on by default). The whole value is secret.
 */
export interface DasConnectionArgs {
  /** Host name or address of the DAS host. */
  host: pulumi.Input<string>;
  /** @default 22 */
  port?: pulumi.Input<number>;
  /** @default "root" */
  user?: pulumi.Input<string>;
  /** Private key (its content, OpenSSH or PEM). */
  privateKey?: pulumi.Input<string>;
  /** Passphrase of `privateKey`. */
  privateKeyPassword?: pulumi.Input<string>;
  /** Password of `user`. */
  password?: pulumi.Input<string>;
  /** An ssh-agent socket. @default `SSH_AUTH_SOCK` when no key or password is given */
  agentSocketPath?: pulumi.Input<string>;
  /** A bastion to dial the host through. */
  proxy?: pulumi.Input<DasConnectionArgs>;
  /** Dials tried before failing. @default 10 */
  dialErrorLimit?: pulumi.Input<number>;
  /** Seconds per dial. @default 15 */
  perDialTimeout?: pulumi.Input<number>;
  /** The host's public key(s), authorized_keys format (`ssh-ed25519 AAAA…`). */
  hostKey?: pulumi.Input<string>;
  /** known_hosts content naming the host. */
  knownHosts?: pulumi.Input<string>;
  /** Accept any host key: an explicit opt-out of host-key verification. @default false */
  insecureIgnoreHostKey?: pulumi.Input<boolean>;
}

/**
 * The connection a resource sends: its own (made secret), else its parent's when the parent is
 * one of ours; undefined (this machine) otherwise.
 */
export function connectionOf(
  args: GlassFishArgs,
  parent?: { connection: pulumi.Output<unknown> },
): pulumi.Input<DasConnectionArgs> | undefined {
  if (args.connection !== undefined) return pulumi.secret(args.connection);
  return parent?.connection as pulumi.Input<DasConnectionArgs> | undefined;
}

/** Inputs every resource takes. */
export interface GlassFishArgs {
  /**
   * The DAS host that holds `domainXml`, reached over SSH; `domainXml` is then an absolute path
   * there. Inherited from the parent resource. Changing the host replaces the resource.
   * @default this machine
   */
  connection?: pulumi.Input<DasConnectionArgs>;
  /**
   * Write IMS configuration even into a domain stamped by a GlassFish release without IMS (3.0,
   * 3.1, 4.0 final, 4.1 and every later one), which ignores it or restores domain.xml.bak over it
   * when it starts. Without it such a write fails at preview with `GLASSFISH_WITHOUT_IMS`.
   * @default false
   */
  allowUnsupportedGlassFish?: pulumi.Input<boolean>;
}

/** A parent given either as one of our resources of `type` or by name. */
export type ParentRef<T> = T | pulumi.Input<string>;

/** The resource when `ref` is one of ours of `type`, else undefined (it is a name). */
export function asParent<T extends object>(ref: ParentRef<T>, type: string): T | undefined {
  return typeof ref === "object" && ref !== null && (ref as Record<string, unknown>)[BRAND] === type
    ? (ref as T)
    : undefined;
}

/**
 * True when the parent comes from the program: given as the resource, or by name with `dependsOn`
 * (which may be what creates it). Preview then does not require the parent in the file yet, since
 * the deployment creates it first; a parent by name alone must be there already.
 */
export function parentInProgram(
  parent: object | undefined,
  opts: pulumi.CustomResourceOptions | undefined,
): true | undefined {
  const deps = opts?.dependsOn;
  return parent !== undefined || (deps !== undefined && (!Array.isArray(deps) || deps.length > 0))
    ? true
    : undefined;
}

/** Fails at construction (a program error) when a parent by name comes without its domainXml. */
export function requireDomainXml(
  resource: string,
  parent: string,
  domainXml: pulumi.Input<string> | undefined,
): pulumi.Input<string> {
  if (domainXml === undefined) {
    throw new Error(
      `${resource}: domainXml is required when ${parent} is given by name (pass the resource object to inherit it)`,
    );
  }
  return domainXml;
}
