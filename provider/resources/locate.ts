import { getAttribute } from "../domain/attrs";
import type { DasConnection } from "../remote/connection";
import {
  describe,
  findMachine,
  findPool,
  findVirtualization,
  type MachineLocation,
  type PoolLocation,
} from "../domain/ims";
import type { XmlDocument, XmlElement } from "../domain/xml";
import { ImsError } from "../errors";
import { digest } from "./common";
import { parseId, type ParsedId } from "./ids";

/** The virtualization a new child goes under; a clear error when it is missing. */
export function requireVirtualization(doc: XmlDocument, file: string, name: string): XmlElement {
  const el = findVirtualization(doc, name);
  if (!el) {
    throw new ImsError(
      "PARENT_NOT_FOUND",
      `virtualization "${name}" is not in ${file}: create it first (a glassfish-ims Virtualization resource, or asadmin create-ims-config-libvirt ${name})`,
    );
  }
  return el;
}

/** The pool named `name`, checked to sit under `virtualization` when that is given. */
export function requirePool(
  doc: XmlDocument,
  file: string,
  name: string,
  virtualization?: string,
): PoolLocation {
  const l = findPool(doc, name);
  if (!l) {
    throw new ImsError(
      "PARENT_NOT_FOUND",
      `server pool "${name}" is not in ${file}: create it first (a glassfish-ims ServerPool resource, or asadmin create-server-pool ... ${name})`,
    );
  }
  const under = getAttribute(l.virtualization, "name");
  if (virtualization !== undefined && under !== virtualization) {
    throw new ImsError(
      "PARENT_NOT_FOUND",
      `server pool "${name}" in ${file} is under virtualization "${under}", not "${virtualization}"`,
    );
  }
  return l;
}

/** The machine named `name`, checked to sit in pool `pool` when that is given. */
export function requireMachine(
  doc: XmlDocument,
  file: string,
  name: string,
  pool?: string,
): MachineLocation {
  const l = findMachine(doc, name);
  if (!l || (pool !== undefined && getAttribute(l.pool, "name") !== pool)) {
    throw new ImsError(
      "PARENT_NOT_FOUND",
      `machine "${name}"${pool ? ` of server pool "${pool}"` : ""} is not in ${file}: create it first (a glassfish-ims Machine resource, or asadmin create-machine ... ${name})`,
    );
  }
  return l;
}

/** The error for a name that is taken, with how to adopt the element. */
export function alreadyExists(el: XmlElement, file: string, where?: XmlElement): ImsError {
  return new ImsError(
    "ALREADY_EXISTS",
    `${describe(el)}${where ? ` (in ${describe(where)})` : ""} already exists in ${file}: set adopt: true to manage it, or choose another name`,
  );
}

/**
 * Whether an element found under the name being created may be taken instead of written: with
 * `adopt`, or when `resumable` (the create journal says this resource claimed the element in an
 * earlier run, see journal.ts) and it is exactly what this create writes (the same name,
 * attributes and own children as `built`): the result of that run, interrupted before the engine
 * recorded it. Anything else is a conflict (ALREADY_EXISTS): an identical element that this
 * resource did not write (by hand, another tool, another resource) is never taken without
 * `adopt`. `own` picks the children the element's resource writes itself (see {@link digest}).
 */
export function takeExisting(
  existing: XmlElement,
  built: XmlElement,
  own: (child: XmlElement) => boolean,
  adopt: boolean | undefined,
  conflict: () => ImsError,
  resumable = false,
): "adopt" | "resume" {
  if (adopt) return "adopt";
  if (resumable && existing.name === built.name && digest(existing, own) === digest(built, own)) {
    return "resume";
  }
  throw conflict();
}

// Built and parsed in ids.ts; re-exported for the readers of an ID.
export { parseId, type ParsedId } from "./ids";

/** What `read` looks for: the file and the element's name, from the state or the ID alone. */
export interface ReadTarget {
  /** The path of the domain.xml. */
  domainXml: string;
  /** The IMS name of the element (of the parent, for a user). */
  name: string;
  /** True when the state had neither: every value must come from the file. */
  fromId: boolean;
  /** The DAS host, as the state records it (an ID alone names a file on this machine). */
  connection?: DasConnection;
}

/**
 * The file and name `read` looks for: the state's when it has them, else the ID's, which must
 * name an element of `kind` (and its `<user>` when `user`): INVALID_INPUT otherwise.
 */
export function readTarget(
  id: string,
  props: { domainXml?: string; name?: string; connection?: DasConnection },
  kind: ParsedId["kind"],
  user = false,
): ReadTarget {
  if (props.domainXml !== undefined && props.name !== undefined) {
    const { domainXml, name, connection } = props;
    return { domainXml, name, fromId: false, ...(connection ? { connection } : {}) };
  }
  const parsed = parseId(id);
  if (parsed.kind !== kind || parsed.user !== user) {
    throw new ImsError(
      "INVALID_INPUT",
      `resource ID ${JSON.stringify(id)} names ${parsed.user ? "the user of " : ""}a ${parsed.kind} element, not ${user ? "the user of " : ""}a ${kind}: use <path of domain.xml>#${kind}/<name>${user ? "/user" : ""}`,
    );
  }
  return { domainXml: parsed.domainXml, name: parsed.name, fromId: true };
}
