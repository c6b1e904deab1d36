// Resource IDs: how each kind's ID is spelled, the one function that builds one and its inverse.
// IDs are in users' state (and pulumi import takes them), so their bytes never change. Pure: a
// resource's declaration (its `ResourceSpec`) carries its ID form, and everything that builds
// an ID or the element part of one (the create journal's key) goes through here.
import { ImsError } from "../errors";

/** The element kinds an ID can name, as they are spelled in it (the XML element names). */
export const ELEMENT_SEGMENTS = ["virtualization", "server-pool", "machines"] as const;

/** One of {@link ELEMENT_SEGMENTS}. */
export type ElementSegment = (typeof ELEMENT_SEGMENTS)[number];

/**
 * The ID of an IMS element resource: `<domainXml>#<element>/<name>`, and for a user resource
 * the `<user>` of that element: `<domainXml>#<element>/<name>/user`.
 */
export interface ElementId {
  /** The element kind in the ID. */
  element: ElementSegment;
  /** The input that names the element: `name`, or the parent's input for a user. */
  by: string;
  /** The ID names the element's `<user>`. @default false */
  user?: true;
}

/** The ID of a resource of the whole file: `<domainXml>`, or `<domainXml>#<fragment>`. */
export interface FileId {
  /** What follows the `#`; none: the path alone. */
  fragment?: string;
}

/** How a kind's resource ID is spelled: one of these is part of each resource's declaration. */
export type IdForm = ElementId | FileId;

/** The kind a resource hangs under, and the input that names that parent. */
export interface ParentLink {
  /** The parent's type name, e.g. `ServerPool` (a kind of the registry, see kinds.ts). */
  kind: string;
  /** The input naming it, e.g. `serverPool`. */
  property: string;
}

/** What a resource's declaration says of its place among the kinds: its ID and its parent. */
export interface KindPlace {
  /** How its resource ID is spelled. */
  id: IdForm;
  /** The kind it hangs under; none for a kind at the top. */
  parent?: ParentLink;
}

/** True for the ID form of an element resource. */
export function isElementId(form: IdForm): form is ElementId {
  return "element" in form;
}

/**
 * The part of the ID after `#` (for an element: `virtualization/kvm`, `machines/m1/user`), also
 * the create journal's key of the element; undefined for an ID that is the path alone.
 */
export function idFragment(form: ElementId, name?: string): string;
export function idFragment(form: IdForm, name?: string): string | undefined;
export function idFragment(form: IdForm, name?: string): string | undefined {
  if (!isElementId(form)) return form.fragment;
  return `${form.element}/${name}${form.user ? "/user" : ""}`;
}

/**
 * The resource ID of the resource of form `form` in the domain.xml at `domainXml`; `name` is the
 * IMS name of the element the ID names (of the parent, for a user). {@link parseId} is its
 * inverse for element IDs.
 */
export function resourceId(form: IdForm, domainXml: string, name?: string): string {
  const fragment = idFragment(form, name);
  return fragment === undefined ? domainXml : `${domainXml}#${fragment}`;
}

/** The ID of the resource of form `form` whose inputs are `inputs` (see {@link resourceId}). */
export function idOf(form: IdForm, inputs: { domainXml: string }): string {
  const name = isElementId(form) ? (inputs as Record<string, unknown>)[form.by] : undefined;
  return resourceId(form, inputs.domainXml, name === undefined ? undefined : String(name));
}

/** What a resource ID names: `<domainXml>#<kind>/<name>[/user]`. */
export interface ParsedId {
  domainXml: string;
  /** The element kind in the ID: `virtualization`, `server-pool` or `machines`. */
  kind: string;
  /** The IMS name of that element. */
  name: string;
  /** True for a user resource: the `<user>` of that element. */
  user: boolean;
}

/**
 * Parses an element resource ID, so that `read` works from the ID alone (`pulumi import`, a
 * resource got by ID, a state whose properties were lost). Fails with INVALID_INPUT naming the
 * expected form.
 */
export function parseId(id: string): ParsedId {
  const at = id.lastIndexOf("#");
  const parts = at > 0 ? id.slice(at + 1).split("/") : [];
  const [kind, name, user] = parts;
  const kinds: readonly string[] = ELEMENT_SEGMENTS;
  if (
    !kinds.includes(kind) ||
    !name ||
    parts.length > 3 ||
    (user !== undefined && user !== "user")
  ) {
    throw new ImsError(
      "INVALID_INPUT",
      `resource ID ${JSON.stringify(id)} must be <path of domain.xml>#<${kinds.join("|")}>/<name>, with /user for a PoolUser or MachineUser`,
    );
  }
  return { domainXml: id.slice(0, at), kind, name, user: user === "user" };
}
