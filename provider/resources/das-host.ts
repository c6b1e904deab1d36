// Where a resource's domain.xml is: on this machine, or on a DAS host reached over SSH (the
// `connection` input every resource takes in the dynamic mode; the plugin takes it as provider
// configuration and passes it on the same way).
import { connectionFailures, connectionLabel, type DasConnection } from "../remote/connection";
import type { Host } from "../store/effects";
import { localHost } from "../store/local";
import { sshHost } from "../store/remote";
import type { DomainLocation } from "../store/store";
import type { Field } from "./fields";
import { isUnknown, type Rule } from "./rules";

/** The inputs that say where the file is. */
export interface Located {
  /** The domain.xml's path (on the DAS host when `connection` is set). */
  domainXml: string;
  /** How to reach the DAS host; absent: this machine. */
  connection?: DasConnection;
}

/** The store's location of a resource's domain.xml. */
export function domainAt(i: Located): DomainLocation {
  return i.connection ? { host: sshHost(i.connection), path: i.domainXml } : i.domainXml;
}

/** The host that holds a resource's domain.xml (its IP cache, its process table, ...). */
export function hostOf(i: Located): Host {
  return i.connection ? sshHost(i.connection) : localHost;
}

/** A resource's domain.xml as messages name it: `user@host:port:/path` on a DAS host. */
export function shownFile(i: Located): string {
  return i.connection ? `${connectionLabel(i.connection)}:${i.domainXml}` : i.domainXml;
}

/** Which DAS host a connection names (`local` without one): a change of it replaces. */
export function dasIdentity(connection: unknown): string {
  if (connection === undefined || connection === null) return "local";
  if (isUnknown(connection)) return "unknown";
  return typeof connection === "object" && typeof (connection as DasConnection).host === "string"
    ? connectionLabel(connection as DasConnection)
    : JSON.stringify(connection);
}

/** The rule of `connection`: every failure {@link connectionFailures} finds, in one message. */
export function connectionRule(property: string): Rule {
  return {
    property,
    test: (v, inputs) => {
      const failures = connectionFailures(v, property).map((f) => f.reason);
      const file = inputs.domainXml;
      if (typeof file === "string" && !isUnknown(file) && !file.startsWith("/")) {
        failures.push(
          `domainXml ${JSON.stringify(file)} must be an absolute path on the DAS host when ${property} is set`,
        );
      }
      return failures.length ? failures.join("; ") : undefined;
    },
  };
}

/**
 * The `connection` input every resource takes: the DAS host that holds `domainXml`, reached
 * over SSH. A change of the host (user, address, port) replaces the resource, since it names
 * another file; a change of credentials only updates the state.
 */
export function connectionField<T>(): Field<T, DasConnection | undefined> {
  return {
    type: "connection",
    doc: "the DAS host that holds domainXml, reached over SSH (host, port, user, privateKey, privateKeyPassword, password, agentSocketPath, proxy, dialErrorLimit, perDialTimeout, hostKey or knownHosts); absent: this machine",
    default: "this machine",
    rule: connectionRule,
    change: "update",
    secret: true,
    exposure: "dynamic",
  };
}
