// The `pulumi import --file` document for every IMS element of an existing domain.xml, so that
// `pulumi import -f` brings a whole domain under management (and generates its program). Pure:
// the command in cli.ts reads the file.
import { getAttribute } from "../domain/attrs";
import {
  allPools,
  findVirtualizations,
  LIBVIRT_VIRTUALIZATION,
  MACHINES,
  USER,
} from "../domain/ims";
import { childElements, type XmlDocument, type XmlElement } from "../domain/xml";
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

/** A user element that a PoolUser or MachineUser manages: one with a name (an empty one is a placeholder). */
function namedUser(el: XmlElement): boolean {
  return childElements(el, USER).some((u) => getAttribute(u, "name") !== undefined);
}

/**
 * Every IMS element of `doc` (the domain.xml at the absolute path `file`), parents before
 * children: each `<libvirt-virtualization>`, `<server-pool>` with its named `<user>`, machine with
 * its `<user>`. Resource names are the IMS names (`<pool>-user` and `<machine>-user` for users),
 * made unique with a `-<n>` suffix where two would collide.
 */
export function importDocument(doc: XmlDocument, file: string): ImportDocument {
  const taken = new Set<string>();
  const unique = (wanted: string) => {
    let name = wanted;
    for (let n = 2; taken.has(name); n++) name = `${wanted}-${n}`;
    taken.add(name);
    return name;
  };
  const resources: ImportEntry[] = [];
  const add = (type: string, name: string, id: string) =>
    resources.push({ type: `${PACKAGE}:index:${type}`, name: unique(name), id: `${file}#${id}` });
  const container = findVirtualizations(doc);
  for (const v of container ? childElements(container, LIBVIRT_VIRTUALIZATION) : []) {
    const name = getAttribute(v, "name");
    if (name !== undefined) add("Virtualization", name, `virtualization/${name}`);
  }
  for (const { pool } of allPools(doc)) {
    const name = getAttribute(pool, "name");
    if (name === undefined) continue;
    add("ServerPool", name, `server-pool/${name}`);
    if (namedUser(pool)) add("PoolUser", `${name}-user`, `server-pool/${name}/user`);
    for (const machine of childElements(pool, MACHINES)) {
      const m = getAttribute(machine, "name");
      if (m === undefined) continue;
      add("Machine", m, `machines/${m}`);
      if (namedUser(machine)) add("MachineUser", `${m}-user`, `machines/${m}/user`);
    }
  }
  return { resources };
}
