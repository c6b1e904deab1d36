import { assertImsSupported } from "../domain/glassfish";
import { domainPath, readDomain } from "../store/store";
import { runningUnmanaged } from "../store/lifecycle";
import type { XmlDocument } from "../domain/xml";
import { isImsError } from "../errors";
import { diffInputs } from "./common";
import { isUnknown, type CheckFailure } from "./rules";

/** What the step about to run will do to the resource's element. */
export interface Step {
  /** A create or a replacement: parents must be there and the name free. */
  creating: boolean;
  /** The element now named like the new one is the old one, deleted first (not a conflict). */
  nameIsOurs: boolean;
}

/**
 * What one resource asks of the file before it writes: the problems its `create` or `update`
 * would meet, as failures naming the property at fault.
 */
export type FileProbe = (
  inputs: Record<string, unknown>,
  doc: XmlDocument,
  step: Step,
  /** The file's text as read: a probe may search it before indexing the tree (see mayHoldName). */
  text: string,
) => CheckFailure[];

/** How a resource's `check` looks at the file: its diff keys and the probe. */
export interface FileCheck {
  /** The resource kind, e.g. `ServerPool` (names are unique per kind). */
  kind: string;
  /** The input that names the element in the file. @default "name" */
  keyedBy?: string;
  /** The resource's input keys, as its diff compares them. */
  keys: readonly string[];
  /** The keys whose change replaces the element. */
  replaceOn: readonly string[];
  /** Keys of the parent chain, compared only when both sides give them (see {@link diffInputs}). */
  chain?: readonly string[];
  /** What this resource asks of the file. */
  probe: FileProbe;
}

/**
 * The failures `up` would meet in domain.xml, found during `check` so that `preview` tells the
 * truth: a missing, malformed or non-domain file, a domain stamped by a GlassFish without IMS
 * (unless `allowUnsupportedGlassFish`), a running DAS the program does not manage, an unknown
 * parent, a name already taken. The file is only read (no lock, no write, never the network), and
 * only when this resource would write it: a resource without changes never reads it. Unknown
 * values (the preview placeholder) skip what depends on them.
 */
export async function checkAgainstFile(
  olds: Record<string, unknown>,
  inputs: Record<string, unknown>,
  spec: FileCheck,
): Promise<CheckFailure[]> {
  const file = inputs.domainXml;
  if (typeof file !== "string" || isUnknown(file)) return [];
  const fresh = olds.name === undefined || olds.domainXml === undefined;
  const d = fresh ? undefined : diffInputs(spec.keys, spec.replaceOn, olds, inputs, spec.chain);
  if (d && !d.changes) return [];
  const creating = d === undefined || d.replaces.length > 0;
  // The engine checks a replacement twice, the second time without olds (for fresh defaults):
  // the old element still holds the name then, so the first check notes that it is ours.
  const key = `${spec.kind}\0${domainPath(file)}\0${String(inputs[spec.keyedBy ?? "name"])}`;
  const replacing = registry();
  if (d?.deleteBeforeReplace) replacing.add(key);
  // Used once: a later fresh check of the same name is a create like any other.
  const nameIsOurs = d?.deleteBeforeReplace === true || (fresh && replacing.delete(key));
  let doc: XmlDocument;
  let text: string;
  try {
    ({ doc, text } = await readDomain(file));
  } catch (e) {
    if (!isImsError(e)) throw e;
    return [{ property: "domainXml", reason: e.message }];
  }
  // The store would refuse the write (DOMAIN_RUNNING): say so at preview, where it can be seen.
  // A domain under a Domain resource is stopped by the write instead (see store/lifecycle.ts).
  const running = await runningUnmanaged(domainPath(file));
  if (running) return [{ property: "domainXml", reason: running.message }];
  const allow = inputs.allowUnsupportedGlassFish;
  const stamped = isUnknown(allow)
    ? []
    : failureOf("domainXml", () => assertImsSupported(doc, file, allow === true));
  return [...stamped, ...spec.probe(inputs, doc, { creating, nameIsOurs }, text)];
}

// Shared through a global symbol (as the store's queues): the engine may load this module more
// than once, and one provider process serves one deployment.
const REPLACING = Symbol.for("glassfish-ims.replacing.v1");

/** Elements (kind, file, name) that a delete-first replacement of this deployment frees. */
function registry(): Set<string> {
  const g = globalThis as unknown as Record<symbol, Set<string> | undefined>;
  return (g[REPLACING] ??= new Set());
}

/** Runs `fn`, turning the ImsError it throws into a failure of `property`. */
export function failureOf(property: string, fn: () => void): CheckFailure[] {
  try {
    fn();
    return [];
  } catch (e) {
    if (!isImsError(e)) throw e;
    return [{ property, reason: e.message }];
  }
}
