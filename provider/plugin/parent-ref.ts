// Parents named by their resource IDs, for `pulumi import`. The engine's code generator turns a
// string input into a reference to another imported resource only when it equals that resource's
// ID (or a unique `name` output), and a reference is what gives the generated program its
// dependencies, hence a destroy in the right order. So a resource read from its ID alone names
// its parents by their IDs, and `check` takes a parent's ID wherever it takes the parent's IMS
// name. Pure: provider.ts applies these around the resource code.
import {
  ancestorsOf,
  isUnknown,
  KINDS,
  kindNamed,
  parseId,
  resourceId,
  type CheckFailure,
  type IdForm,
} from "../engine";
import { domainPath } from "../store/store";

/** An input that names an ancestor element, and that element's kind in a resource ID. */
interface ParentInput {
  property: string;
  /** The element kind in the ancestor's ID: `virtualization`, `server-pool` or `machines`. */
  kind: string;
  /** What the message calls the ancestor. */
  label: string;
  /** The ancestor's ID form. */
  id: IdForm;
}

/** The ancestor inputs of `kind` (the parent and the ones above it), from the registry. */
function parentInputs(kind: string): ParentInput[] {
  return ancestorsOf(kind).flatMap((link) => {
    const id = kindNamed(link.kind)?.id;
    return id && "element" in id
      ? [{ property: link.property, kind: id.element, label: `a ${link.kind}`, id }]
      : [];
  });
}

/** Every input of each kind that names an ancestor (the parent and the ones above it). */
export const PARENT_INPUTS: Readonly<Record<string, readonly ParentInput[]>> = Object.fromEntries(
  KINDS.flatMap((k) => (k.parent ? [[k.type, parentInputs(k.type)]] : [])),
);

/**
 * The inputs of a resource read from its ID alone (`pulumi import`), as the generated program
 * should give them: each ancestor named by its ID (which the code generator turns into a
 * reference when that ancestor is imported too), and no `name` when it is the IMS name the
 * resource name gives anyway (`resourceName`; a `name` input equal to another resource's name
 * would otherwise become a reference to it, and the pool `cloud` and its user `cloud` into a
 * cycle, after which the generator gives up every reference).
 */
export function importedInputs(
  kind: string,
  inputs: Record<string, unknown>,
  resourceName: string | undefined,
): Record<string, unknown> {
  const out = { ...inputs };
  const file = inputs.domainXml;
  if (typeof file === "string") {
    for (const p of PARENT_INPUTS[kind] ?? []) {
      const name = out[p.property];
      if (typeof name === "string" && name !== "") out[p.property] = resourceId(p.id, file, name);
    }
  }
  if (resourceName !== undefined && out.name === resourceName) delete out.name;
  return out;
}

/**
 * The inputs with every ancestor given by its ID replaced by its IMS name, which is what the
 * resource code takes (and what the state records). An ID of another kind of element, or of an
 * element in another domain.xml, is a failure naming the property; so is anything else with a `#`
 * that does not parse as an ID.
 */
export function parentsByName(
  kind: string,
  inputs: Record<string, unknown>,
): { inputs: Record<string, unknown>; failures: CheckFailure[] } {
  const out = { ...inputs };
  const failures: CheckFailure[] = [];
  const file = inputs.domainXml;
  for (const p of PARENT_INPUTS[kind] ?? []) {
    const v = out[p.property];
    if (typeof v !== "string" || !v.includes("#") || isUnknown(v)) continue;
    const fail = (why: string) =>
      failures.push({
        property: p.property,
        reason: `${p.property} ${JSON.stringify(v)} ${why}: give ${p.label}'s ID (<path of domain.xml>#${p.kind}/<name>) or its IMS name`,
      });
    let parsed: ReturnType<typeof parseId>;
    try {
      parsed = parseId(v);
    } catch {
      fail("is not a resource ID");
      continue;
    }
    if (parsed.kind !== p.kind || parsed.user) {
      fail(`is the ID of ${parsed.user ? "the user of " : ""}a ${parsed.kind} element`);
      continue;
    }
    if (
      typeof file === "string" &&
      !isUnknown(file) &&
      domainPath(file) !== domainPath(parsed.domainXml)
    ) {
      fail(`names an element of ${parsed.domainXml}, not of domainXml ${file}`);
      continue;
    }
    out[p.property] = parsed.name;
  }
  return { inputs: out, failures };
}
