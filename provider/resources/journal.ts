// The create journal: which resource (by URN) is writing, or wrote, which element of a
// domain.xml. An element already in the file is taken as a create's result only when this
// resource's own earlier create claimed it here (an `up` killed after the rename, before the
// engine recorded the result); anything else of that name is ALREADY_EXISTS, so a hand-written
// element is never taken over (and then deleted) without `adopt`.
//
// One small file per element, `<domain.xml>.ims-journal/<hash of kind/name>`, created exclusively
// before the edit and holding the claimer's URN and process. It is removed when the create fails,
// when the element is deleted, and when an update or refresh shows the engine has the resource.
// It sits beside the file, on the file's host (through the store's effects): on a DAS host
// reached over SSH, the journal is there too, so a create cut off from it resumes as a local one.
import { createHash, randomUUID } from "crypto";
import * as os from "os";
import * as path from "path";
import { isImsError } from "../errors";
import { errnoOf, type Host } from "../store/effects";
import { localHost } from "../store/local";
import { realDomainPath } from "../store/store";
import { domainAt, hostOf, type Located } from "./das-host";
import { isUnknown } from "./rules";

/** The input that carries the resource's URN: the SDK sets it, the plugin from the request. */
export const URN_INPUT = "__urn";

/** What a claim file holds. */
interface Entry {
  urn: string;
  /** The claiming provider process: host name, pid, and a token of that process's life. */
  host: string;
  pid: number;
  instance: string;
}

/** A create's claim on its element (see {@link claimCreate}). */
export interface Claim {
  /**
   * True when this resource claimed the element before this create (an existing one may be its),
   * and once this create's own edit has put it in (see {@link Claim.wrote}).
   */
  resumable: boolean;
  /**
   * Marks that this create's edit put the element in. The store redoes an edit when a writer that
   * ignores the lock renamed the file right after this one: when its copy kept the element, the
   * redo finds it, and it is this create's own.
   */
  wrote(): void;
  /**
   * Undoes what this create put in the journal and rethrows `e`: the create failed, so nothing
   * of it is left behind (`edit.catch(claim.undo)`). Kept when the edit had put the element in
   * and the write then met another writer (CONCURRENT_MODIFICATION): that writer's copy may hold
   * the element, which the next `up` must then resume, not refuse. Kept too when the connection
   * to the DAS host failed during the write (SSH_ERROR: its outcome is unknown, the rename may
   * have happened there).
   */
  undo(e: unknown): Promise<never>;
}

/** A claim whose undo runs `cleanup` before it rethrows. */
function claimOf(resumable: boolean, cleanup: () => Promise<void>): Claim {
  let wrote = false;
  return {
    resumable,
    wrote() {
      wrote = true;
      this.resumable = true;
    },
    undo: async (e) => {
      const mayHaveLanded = isImsError(e, "CONCURRENT_MODIFICATION") || isImsError(e, "SSH_ERROR");
      if (!(wrote && mayHaveLanded)) await cleanup();
      throw e;
    },
  };
}

/** No claim: a fresh object each time, since {@link Claim.wrote} changes it. */
const noClaim = (): Claim => claimOf(false, async () => undefined);

// A token of this provider process's life (a pid can be reused), shared through a global symbol
// as the store's queues are: the engine may load this module more than once.
const INSTANCE = Symbol.for("glassfish-ims.journal-instance.v1");

function instance(): string {
  const g = globalThis as unknown as Record<symbol, string | undefined>;
  return (g[INSTANCE] ??= randomUUID());
}

/** The URN among `inputs`, when it is known. */
export function urnOf(inputs: object): string | undefined {
  const urn = (inputs as Record<string, unknown>)[URN_INPUT];
  return typeof urn === "string" && urn !== "" && !isUnknown(urn) ? urn : undefined;
}

/** A claim file: the host that holds the domain.xml, and the file's path there. */
interface EntryFile {
  host: Host;
  file: string;
}

/** The claim file of `element` (`virtualization/kvm`, `machines/m1/user`) of a domain.xml. */
async function entryPath(at: Located, element: string): Promise<EntryFile | undefined> {
  try {
    const real = await realDomainPath(domainAt(at));
    const hash = createHash("sha256").update(element).digest("hex").slice(0, 32);
    return { host: hostOf(at), file: path.posix.join(`${real}.ims-journal`, hash) };
  } catch {
    // No file (or no connection to its host): the edit reports it.
    return undefined;
  }
}

async function readEntry({
  host,
  file,
}: EntryFile): Promise<{ raw: string; entry?: Entry } | undefined> {
  let raw: string;
  try {
    raw = (await host.readFile(file, { nofollow: true })).toString("utf8");
  } catch (e) {
    if (errnoOf(e) === "ENOENT") return undefined;
    throw e;
  }
  try {
    const entry = JSON.parse(raw) as Entry;
    return { raw, entry: typeof entry?.urn === "string" ? entry : undefined };
  } catch {
    return { raw };
  }
}

/**
 * True when the process that wrote `entry` may still be creating (this one, or a live pid here).
 * The claimer is a provider process of the machine that runs `pulumi`, whatever host holds the
 * file: its pid is looked up here, as the lock's holder is (store/lock.ts).
 */
async function mayBeWorking(entry: Entry | undefined): Promise<boolean> {
  if (!entry) return false;
  if (entry.instance === instance()) return true;
  if (entry.host !== os.hostname()) return true;
  return entry.pid !== process.pid && (await localHost.processes.isAlive(entry.pid));
}

/** Whether the journal says this resource (by its URN in `inputs`) claimed `element` earlier. */
export async function claimedEarlier(
  at: Located,
  element: string,
  inputs: object = at,
): Promise<boolean> {
  const urn = urnOf(inputs);
  const entry = urn && (await entryPath(at, element));
  if (!entry) return false;
  const found = await readEntry(entry).catch(() => undefined);
  return found?.entry?.urn === urn;
}

/**
 * Claims `element` for the resource whose URN is in `inputs`, before its create edits the file.
 * `resumable` when the claim was already this resource's: an earlier run of this create may have
 * written the element. A fresh claim is not resumable: an element found then is someone else's.
 * Another resource's claim whose process may still be running (two resources of one name in one
 * deployment) leaves this create unclaimed; one left by a process that is gone is taken over
 * (and put back by `undo`). Without a URN (a direct caller), or with `adopt`, nothing is
 * claimed and nothing is resumable.
 */
export async function claimCreate(
  inputs: Located & { adopt?: boolean },
  element: string,
): Promise<Claim> {
  const urn = urnOf(inputs);
  if (!urn || inputs.adopt === true) return noClaim();
  const at = await entryPath(inputs, element);
  if (!at) return noClaim();
  const { host, file } = at;
  const mine: Entry = { urn, host: os.hostname(), pid: process.pid, instance: instance() };
  const text = JSON.stringify(mine);
  const fresh = (previous?: string): Claim =>
    claimOf(false, async () => {
      await host.unlink(file).catch(() => undefined);
      if (previous !== undefined) {
        await host.writeExclusive(file, previous).catch(() => undefined);
      } else {
        await rmdirIfEmpty(host, path.posix.dirname(file));
      }
    });
  try {
    await host.mkdir(path.posix.dirname(file), 0o700).catch((e) => {
      if (errnoOf(e) !== "EEXIST") throw e;
    });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await host.writeExclusive(file, text);
        return fresh();
      } catch (e) {
        if (errnoOf(e) !== "EEXIST") throw e;
      }
      const found = await readEntry(at);
      if (!found) continue;
      if (found.entry?.urn === urn) return claimOf(true, async () => undefined);
      // Another resource's claim, maybe being written now (two resources of one name): this
      // create claims nothing, so neither can take the other's element; the file decides.
      if (await mayBeWorking(found.entry)) return noClaim();
      // Left by a process that is gone: whatever it claimed is judged by the file now.
      await host.unlink(file).catch(() => undefined);
      try {
        await host.writeExclusive(file, text);
        return fresh(found.raw);
      } catch (e) {
        if (errnoOf(e) !== "EEXIST") throw e;
      }
    }
  } catch {
    // A journal that cannot be written (a read-only directory): the edit reports what is wrong.
    return noClaim();
  }
  return noClaim();
}

/**
 * Drops the claim on `element` once it is settled: the element is deleted, or the engine has the
 * resource (update, refresh). Only the resource's own claim is dropped, unless `any` (the element
 * is gone). The journal directory goes when it is empty.
 */
export async function settle(inputs: Located, element: string, any = false): Promise<void> {
  const urn = urnOf(inputs);
  if (!urn && !any) return;
  const at = await entryPath(inputs, element);
  if (!at) return;
  const found = await readEntry(at).catch(() => undefined);
  if (!found || (!any && found.entry?.urn !== urn)) return;
  await at.host.unlink(at.file).catch(() => undefined);
  await rmdirIfEmpty(at.host, path.posix.dirname(at.file));
}

/** Removes the journal directory when it holds no claim (rmdir(2) refuses one that does). */
async function rmdirIfEmpty(host: Host, dir: string): Promise<void> {
  await host.rmdir(dir).catch(() => undefined);
}
