// The `pulumi import --file` document for every IMS element of an existing domain.xml, so that
// `pulumi import -f` brings a whole domain under management (and generates its program). Pure:
// the command in cli.ts reads the file.
import {
  childElements,
  findVirtualizations,
  getAttribute,
  kindNamed,
  LIBVIRT_VIRTUALIZATION,
  MACHINES,
  nameRule,
  resourceId,
  SERVER_POOL,
  USER,
  VIRTUALIZATIONS,
  type XmlDocument,
  type XmlElement,
} from "../engine";
import { PACKAGE } from "../schema";

/** One resource of a `pulumi import --file` document. */
export interface ImportEntry {
  /** The type token, `glassfish-ims:index:<Type>`. */
  type: string;
  /** The Pulumi resource name (unique in the document). */
  name: string;
  /** The resource's ID: `<absolute domain.xml>#<kind>/<name>[/user]`. */
  id: string;
}

/** What `pulumi import --file` reads. */
export interface ImportDocument {
  /** Every IMS element, parents before children. */
  resources: ImportEntry[];
}

/** An element that cannot be imported, and why. */
export interface NotImported {
  /** Where it is: `/domain/virtualizations/virtualization[@name="x"]/...`. */
  path: string;
  /** Why, and what to do. */
  reason: string;
}

/** The import document of a domain, and every IMS element left out of it. */
export interface ImportPlan {
  document: ImportDocument;
  notImported: NotImported[];
}

/** A user element that a PoolUser or MachineUser manages: one with a name (an empty one is a placeholder). */
function namedUser(el: XmlElement): boolean {
  return childElements(el, USER).some((u) => getAttribute(u, "name") !== undefined);
}

/** One step of an element's path: `server-pool[@name="cloud"]`. */
function step(el: XmlElement): string {
  const name = getAttribute(el, "name");
  return name === undefined ? el.name : `${el.name}[@name=${JSON.stringify(name)}]`;
}

const NAME = nameRule("name");

/**
 * Every IMS element of `doc` (the domain.xml at the absolute path `file`), parents before
 * children: each `<libvirt-virtualization>`, `<server-pool>` with its named `<user>`, machine with
 * its `<user>`. Resource names are the IMS names (`<pool>-user` and `<machine>-user` for users),
 * made unique with a `-<n>` suffix where two would collide. An element whose ID would not be
 * unique or would not parse (no name, a name outside the IMS name rule such as `x/user`, the
 * second element of a kind with one name), any other virtualization kind (the generic
 * `<virtualization type="libvirt">` GlassFish 4.0 writes without the libvirt plugin), and what
 * hangs under an element left out, are listed in `notImported` with the reason.
 */
export function planImport(doc: XmlDocument, file: string): ImportPlan {
  const taken = new Set<string>();
  const unique = (wanted: string) => {
    let name = wanted;
    for (let n = 2; taken.has(name); n++) name = `${wanted}-${n}`;
    taken.add(name);
    return name;
  };
  const resources: ImportEntry[] = [];
  const notImported: NotImported[] = [];
  // `element` names the element the ID names (the parent, for a user), as the kind's ID form says.
  const add = (type: string, name: string, element: string) => {
    const form = kindNamed(type)?.id;
    if (!form) throw new Error(`${type} is not a kind of the registry`);
    resources.push({
      type: `${PACKAGE}:index:${type}`,
      name: unique(name),
      id: resourceId(form, file, element),
    });
  };
  // GlassFish resolves each kind by name, first match, across every virtualization kind (as
  // `read` does): the names of elements left out still take their name.
  const seen = {
    virtualization: new Set<string>(),
    pool: new Set<string>(),
    machine: new Set<string>(),
  };
  /**
   * The element's name when it can be imported (`parentOut` names a parent left out); else
   * records why not and gives undefined. Either way its name is taken.
   */
  const importable = (
    el: XmlElement,
    at: string,
    kind: keyof typeof seen,
    parentOut: XmlElement | undefined,
    otherwise?: string,
  ): string | undefined => {
    const name = getAttribute(el, "name");
    const bad = name === undefined ? "it has no name attribute" : NAME.test(name, {});
    const why =
      name !== undefined && seen[kind].has(name)
        ? `a second ${kind} named ${JSON.stringify(name)}: GlassFish resolves the name to the first, and one ID would name both; rename one in domain.xml`
        : bad !== undefined
          ? `${bad}: its ID must name it; rename it in domain.xml`
          : (otherwise ??
            (parentOut ? `its parent ${step(parentOut)} is not imported` : undefined));
    if (name !== undefined) seen[kind].add(name);
    if (why === undefined) return name;
    notImported.push({ path: at, reason: why });
    return undefined;
  };
  const container = findVirtualizations(doc);
  const root = `/${doc.root.name}/${VIRTUALIZATIONS}`;
  for (const v of container ? childElements(container) : []) {
    const at = `${root}/${step(v)}`;
    const generic = v.name === "virtualization" && getAttribute(v, "type") === "libvirt";
    const vName = importable(
      v,
      at,
      "virtualization",
      undefined,
      v.name === LIBVIRT_VIRTUALIZATION
        ? undefined
        : generic
          ? `the generic element GlassFish 4.0 writes without the libvirt plugin; glassfish-ims manages <${LIBVIRT_VIRTUALIZATION}>: rename the element to ${LIBVIRT_VIRTUALIZATION} (attributes and children stay) and run import-file again`
          : `<${v.name}> is not a virtualization glassfish-ims manages (only <${LIBVIRT_VIRTUALIZATION}>)`,
    );
    if (vName !== undefined) add("Virtualization", vName, vName);
    for (const pool of childElements(v, SERVER_POOL)) {
      const poolAt = `${at}/${step(pool)}`;
      const name = importable(pool, poolAt, "pool", vName === undefined ? v : undefined);
      if (name !== undefined) {
        add("ServerPool", name, name);
        if (namedUser(pool)) add("PoolUser", `${name}-user`, name);
      }
      for (const machine of childElements(pool, MACHINES)) {
        const mAt = `${poolAt}/${step(machine)}`;
        const m = importable(machine, mAt, "machine", name === undefined ? pool : undefined);
        if (m === undefined) continue;
        add("Machine", m, m);
        if (namedUser(machine)) add("MachineUser", `${m}-user`, m);
      }
    }
  }
  return { document: { resources }, notImported };
}

/** The import document alone (see {@link planImport}, which also lists what is left out). */
export function importDocument(doc: XmlDocument, file: string): ImportDocument {
  return planImport(doc, file).document;
}
