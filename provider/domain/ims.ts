import { getAttribute } from "./attrs";
import { appendChild, insertBefore, isBlank, newElement, removeChild } from "./tree";
import { childElements, firstChildElement, type XmlDocument, type XmlElement } from "./xml";

/** The `<virtualizations>` container, a direct child of `<domain>`. */
export const VIRTUALIZATIONS = "virtualizations";
/** The element this provider writes for a libvirt virtualization. */
export const LIBVIRT_VIRTUALIZATION = "libvirt-virtualization";

/** The `<virtualizations>` element, if the domain has one. */
export function findVirtualizations(doc: XmlDocument): XmlElement | undefined {
  return firstChildElement(doc.root, VIRTUALIZATIONS);
}

/** The `<virtualizations>` element, created at the end of `<domain>` when missing. */
export function ensureVirtualizations(doc: XmlDocument): XmlElement {
  const found = findVirtualizations(doc);
  if (found) return found;
  const el = newElement(VIRTUALIZATIONS);
  appendChild([doc.root], el);
  return el;
}

/**
 * Adds a named element to the last element of `path` (root first) at a place that depends only on
 * the names, not on the order elements are added in: right after the last sibling of the same
 * kind whose name sorts before it, else before the first sibling of that kind, else at the end.
 * Parallel creates (the engine runs them in any order) then give the same bytes on every run.
 */
export function addInNameOrder(path: readonly XmlElement[], child: XmlElement): void {
  const parent = path[path.length - 1];
  const name = getAttribute(child, "name") ?? "";
  // One pass over the children (a pool may hold thousands of machines): the first sibling of
  // the kind, and the element right after the last one that sorts before the new name.
  let first: XmlElement | undefined;
  let after: XmlElement | undefined;
  let seekingNext = false;
  for (const c of parent.children) {
    if (c.kind !== "element") continue;
    if (seekingNext) {
      after = c;
      seekingNext = false;
    }
    if (c.name !== child.name) continue;
    first ??= c;
    if ((getAttribute(c, "name") ?? "") < name) {
      after = undefined;
      seekingNext = true;
    }
  }
  const hasBefore = seekingNext || after !== undefined;
  const ref = hasBefore ? after : first;
  if (ref) insertBefore(parent, child, ref);
  else appendChild(path, child);
}

/** Removes `<virtualizations>` when nothing is left in it (no children, comments or attributes). */
export function dropEmptyVirtualizations(doc: XmlDocument): void {
  const el = findVirtualizations(doc);
  if (el && isBlank(el) && !/\s[^\s=]+\s*=/.test(el.open)) removeChild(doc.root, el);
}

/**
 * Any virtualization (of any kind: libvirt, native, ...) named `name`. GlassFish resolves
 * virtualizations by name, so names are unique across kinds.
 */
export function findVirtualization(doc: XmlDocument, name: string): XmlElement | undefined {
  const container = findVirtualizations(doc);
  if (!container) return undefined;
  return childElements(container).find((el) => getAttribute(el, "name") === name);
}

/** Describes an element for messages: `<server-pool name="cloud">`. */
export function describe(el: XmlElement): string {
  const name = getAttribute(el, "name");
  return name === undefined ? `<${el.name}>` : `<${el.name} name="${name}">`;
}

/** The element names of IMS children, as GlassFish spells them. */
export const SERVER_POOL = "server-pool";
export const MACHINES = "machines";
export const USER = "user";

/** Where a server pool sits. */
export interface PoolLocation {
  virtualization: XmlElement;
  pool: XmlElement;
}

/** Where a machine sits. */
export interface MachineLocation extends PoolLocation {
  machine: XmlElement;
}

/** Every `<server-pool>` of the domain, with its virtualization. */
export function allPools(doc: XmlDocument): PoolLocation[] {
  const container = findVirtualizations(doc);
  if (!container) return [];
  return childElements(container).flatMap((virtualization) =>
    childElements(virtualization, SERVER_POOL).map((pool) => ({ virtualization, pool })),
  );
}

/** The server pool named `name` anywhere in the domain (names are unique per kind). */
export function findPool(doc: XmlDocument, name: string): PoolLocation | undefined {
  return allPools(doc).find((l) => getAttribute(l.pool, "name") === name);
}

const MACHINE_INDEX = Symbol("glassfish-ims.machine-index");

/**
 * Machines by name, built once per parsed document and kept up to date by {@link addMachine} and
 * {@link removeMachine}: a batch of thousands of machine edits then costs one scan, not one each.
 */
function machineIndex(doc: XmlDocument): Map<string, MachineLocation> {
  const holder = doc as XmlDocument & { [MACHINE_INDEX]?: Map<string, MachineLocation> };
  let index = holder[MACHINE_INDEX];
  if (!index) {
    index = new Map();
    for (const l of allPools(doc)) {
      for (const machine of childElements(l.pool, MACHINES)) {
        const name = getAttribute(machine, "name");
        if (name !== undefined && !index.has(name)) index.set(name, { ...l, machine });
      }
    }
    Object.defineProperty(holder, MACHINE_INDEX, { value: index, enumerable: false });
  }
  return index;
}

/**
 * False when no element of a domain.xml whose text is `text` can be named `name` (letters,
 * digits, `_`, `-`, `.`): the name in quotes appears nowhere, and the file holds no character
 * reference (`&#...;`), the only other way to spell those characters in an attribute. A lookup
 * of a name that is not there then skips indexing every machine of the domain (what `check`
 * asks of each new machine during an `up`). Only for the text a tree was parsed from, untouched:
 * an edit's tree holds elements its source text does not.
 */
export function mayHoldName(text: string, name: string): boolean {
  return text.includes("&#") || text.includes(`"${name}"`) || text.includes(`'${name}'`);
}

/** The machine named `name` anywhere in the domain. */
export function findMachine(doc: XmlDocument, name: string): MachineLocation | undefined {
  return machineIndex(doc).get(name);
}

/** Adds a new `<machines>` element named `name` to a pool, in name order. */
export function addMachine(
  doc: XmlDocument,
  l: PoolLocation,
  name: string,
  machine: XmlElement,
): void {
  addInNameOrder(poolPath(doc, l), machine);
  machineIndex(doc).set(name, { ...l, machine });
}

/** Removes a machine found with {@link findMachine}. */
export function removeMachine(doc: XmlDocument, name: string, l: MachineLocation): void {
  removeChild(l.pool, l.machine);
  machineIndex(doc).delete(name);
}

/** The path from the root to a virtualization (root first), for {@link appendChild}. */
export function virtualizationPath(doc: XmlDocument, virtualization: XmlElement): XmlElement[] {
  return [doc.root, ensureVirtualizations(doc), virtualization];
}

/** The path from the root to a pool (root first), for {@link appendChild}. */
export function poolPath(doc: XmlDocument, l: PoolLocation): XmlElement[] {
  return [...virtualizationPath(doc, l.virtualization), l.pool];
}
