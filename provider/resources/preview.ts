import { assertImsSupported } from "../domain/glassfish";
import { connectionFailures, type DasConnection } from "../remote/connection";
import { urgently } from "../remote/session";
import { dasIdentity, domainAt, hostOf, type Located, shownFile } from "./das-host";
import { domainPath, readDomain } from "../store/store";
import { runningUnmanaged } from "../store/lifecycle";
import type { XmlDocument } from "../domain/xml";
import { isImsError } from "../errors";
import { diffInputs } from "./common";
import { claimedEarlier } from "./journal";
import { isUnknown, type CheckFailure } from "./rules";

/** What the step about to run will do to the resource's element. */
export interface Step {
  /** A create or a replacement: parents must be there and the name free. */
  creating: boolean;
  /** The element now named like the new one is the old one, deleted first (not a conflict). */
  nameIsOurs: boolean;
  /** The create journal says this resource claimed the element earlier (see journal.ts). */
  resumable: boolean;
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
  /** The element's part of the resource ID (`virtualization/kvm`), for the create journal. */
  element?: (inputs: Record<string, unknown>) => string;
}

/**
 * The failures `up` would meet in domain.xml, found during `check` so that `preview` tells the
 * truth: a missing, malformed or non-domain file (also for a resource without changes: see
 * {@link fileHealth}), a domain stamped by a GlassFish without IMS
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
  // The file is on the DAS host the connection names: read there once the connection is known
  // and valid (its own rule reports it otherwise).
  const connection = inputs.connection as DasConnection | undefined;
  if (isUnknown(connection)) return [];
  if (connection !== undefined && connectionFailures(connection).length > 0) return [];
  const fresh = olds.name === undefined || olds.domainXml === undefined;
  const d = fresh ? undefined : diffInputs(spec.keys, spec.replaceOn, olds, inputs, spec.chain);
  // No write planned: the file must still be there and parse, as refresh and the next write need
  // (a file broken or gone under an unchanged stack fails here, not only at refresh).
  if (d && !d.changes) return fileHealth({ domainXml: file, connection });
  const creating = d === undefined || d.replaces.length > 0;
  // The engine checks a replacement twice, the second time without olds (for fresh defaults):
  // the old element still holds the name then, so the first check notes that it is ours.
  const key = `${spec.kind}\0${dasIdentity(connection)}\0${domainPath(file)}\0${String(inputs[spec.keyedBy ?? "name"])}`;
  const replacing = registry();
  if (d?.deleteBeforeReplace) replacing.add(key);
  // Used once: a later fresh check of the same name is a create like any other.
  const nameIsOurs = d?.deleteBeforeReplace === true || (fresh && replacing.delete(key));
  const at = { domainXml: file, connection };
  const element = creating && !isUnknown(inputs) ? spec.element?.(inputs) : undefined;
  // The three looks at the DAS host are independent: asked at once, a check over SSH waits for
  // the longest of them, not for their sum (the engine runs the checks one after the other).
  // Their failures keep this order: the file's, a running DAS, the rest. Over SSH they go ahead
  // of the requests of the creates under way (see urgently).
  const read = urgently(() => readDomain(domainAt(at))).catch((e: unknown): CheckFailure[] => {
    if (!isImsError(e)) throw e;
    return [{ property: "domainXml", reason: e.message }];
  });
  // The store would refuse the write (DOMAIN_RUNNING): say so at preview, where it can be seen.
  // A domain under a Domain resource is stopped by the write instead (see store/lifecycle.ts).
  const running = urgently(() => runningUnmanaged(domainPath(file), hostOf(at)));
  const resumable =
    element === undefined
      ? Promise.resolve(false)
      : urgently(() => claimedEarlier(at, element, inputs));
  // Settled before any of them is looked at: none is left to fail unobserved.
  await Promise.allSettled([read, running, resumable]);
  const got = await read;
  if (Array.isArray(got)) return got;
  const { doc, text } = got;
  // A DAS host that could not be asked (its session lost meanwhile) fails the check the same way.
  const das = await running.catch((e: unknown) => {
    if (isImsError(e)) return e;
    throw e;
  });
  if (das) return [{ property: "domainXml", reason: das.message }];
  const allow = inputs.allowUnsupportedGlassFish;
  const stamped = isUnknown(allow)
    ? []
    : failureOf("domainXml", () => assertImsSupported(doc, shownFile(at), allow === true));
  return [
    ...stamped,
    ...spec.probe(inputs, doc, { creating, nameIsOurs, resumable: await resumable }, text),
  ];
}

// One read per file per provider process (one deployment), shared through a global symbol.
const HEALTH = Symbol.for("glassfish-ims.file-health.v1");

/**
 * Whether the domain.xml a resource without changes names is there and parses: the failure
 * `refresh` would give (FILE_NOT_FOUND, not a regular file, XML_MALFORMED, NOT_A_DOMAIN), on
 * `domainXml`. Read once per file per process, however many resources name it.
 */
function fileHealth(at: Located): Promise<CheckFailure[]> {
  const g = globalThis as unknown as Record<symbol, Map<string, Promise<CheckFailure[]>>>;
  const seen = (g[HEALTH] ??= new Map());
  // On the file's host: a remote DAS host's file is another file than a local one of that path.
  const key = `${dasIdentity(at.connection)}\0${domainPath(at.domainXml)}`;
  let health = seen.get(key);
  if (!health) {
    health = readDomain(domainAt(at)).then(
      () => [],
      (e) => {
        if (!isImsError(e)) throw e;
        return [{ property: "domainXml", reason: (e as Error).message }];
      },
    );
    seen.set(key, health);
  }
  return health;
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
