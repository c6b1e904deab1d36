import { promises as fs, Stats } from "fs";
import * as path from "path";
import { ImsError, isImsError } from "../errors";
import { domainRunningError, findRunningDas } from "./glassfish";
import { withFileLock, type LockOptions } from "./lock";
import { parseXml, serializeXml, type XmlDocument } from "./xml";

/** What one edit did: its value, and whether it changed the document. */
export interface EditOutcome<T> {
  value: T;
  changed: boolean;
}

/**
 * One edit of a domain.xml. It must check everything before it changes the tree, and be
 * deterministic: when another edit of the same batch fails, the successful ones are replayed on a
 * fresh parse.
 */
export type Edit<T> = (doc: XmlDocument) => EditOutcome<T>;

interface Job {
  edit: Edit<unknown>;
  resolve: (o: EditOutcome<unknown>) => void;
  reject: (e: unknown) => void;
  outcome?: EditOutcome<unknown>;
  error?: unknown;
}

interface Queue {
  pending: Job[];
  running: boolean;
}

interface CachedRead {
  key: string;
  doc: Promise<{ doc: XmlDocument; text: string }>;
}

interface Registry {
  queues: Map<string, Queue>;
  reads: Map<string, CachedRead>;
}

// Shared through a global symbol rather than module state: the engine may load this module more
// than once (one copy per serialized provider), and all copies must share one queue per file.
const REGISTRY = Symbol.for("glassfish-ims.domain-store.v1");

function registry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  let r = g[REGISTRY];
  if (!r) {
    r = { queues: new Map(), reads: new Map() };
    g[REGISTRY] = r;
  }
  return r;
}

/** Options of the file layer; tests shorten the lock timings. */
export interface StoreOptions {
  lock?: LockOptions;
}

/** The absolute path of a domain.xml (relative paths are taken from the working directory). */
export function domainPath(p: string): string {
  return path.resolve(p);
}

async function statOrThrow(file: string): Promise<Stats> {
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) throw new ImsError("FILE_NOT_FOUND", `${file} is not a regular file`);
    return st;
  } catch (e) {
    if (isImsError(e)) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new ImsError(
        "FILE_NOT_FOUND",
        `${file} does not exist: give the path of the domain's config/domain.xml`,
        { cause: e },
      );
    }
    throw new ImsError("IO_ERROR", `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
}

function parseDomain(text: string, file: string): XmlDocument {
  const doc = parseXml(text, file);
  if (doc.root.name !== "domain") {
    throw new ImsError(
      "NOT_A_DOMAIN",
      `${file} has root element <${doc.root.name}>, not <domain>: is this a GlassFish domain.xml?`,
    );
  }
  return doc;
}

/**
 * Fails when the GlassFish domain that owns `file` is running or starting: its `config/pid`
 * (beside domain.xml) names a live process, or a live process's command line names the domain
 * (see {@link findRunningDas}). A running DAS holds its own copy of the configuration and would
 * overwrite any edit.
 */
export async function assertDomainStopped(file: string): Promise<void> {
  const das = findRunningDas(file);
  if (das) throw domainRunningError(file, das);
}

/**
 * Reads and parses a domain.xml. Concurrent readers of an unchanged file share one parse, so a
 * refresh of thousands of resources reads the file once. The result must not be modified.
 */
export async function readDomain(p: string): Promise<{ doc: XmlDocument; text: string }> {
  const file = domainPath(p);
  const st = await statOrThrow(file);
  const key = `${st.ino}:${st.size}:${st.mtimeMs}`;
  const reads = registry().reads;
  const hit = reads.get(file);
  if (hit && hit.key === key) return hit.doc;
  const doc = fs.readFile(file, "utf8").then((text) => ({ doc: parseDomain(text, file), text }));
  reads.set(file, { key, doc });
  doc.catch(() => reads.delete(file));
  return doc;
}

async function writeAtomic(
  file: string,
  text: string,
  previous: string,
  before: Stats,
): Promise<void> {
  const dir = path.dirname(file);
  const base = path.basename(file);
  const tag = `${process.pid}.${Math.random().toString(36).slice(2)}`;
  const put = async (
    target: string,
    content: string,
    check?: () => Promise<void>,
  ): Promise<void> => {
    const tmp = path.join(dir, `.${path.basename(target)}.${tag}.tmp`);
    const handle = await fs.open(tmp, "wx", before.mode & 0o7777);
    try {
      await handle.writeFile(content, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      if (process.getuid?.() === 0)
        await fs.chown(tmp, before.uid, before.gid).catch(() => undefined);
      if (check) await check();
      await fs.rename(tmp, target);
    } catch (e) {
      await fs.unlink(tmp).catch(() => undefined);
      throw e;
    }
  };
  await put(path.join(dir, `${base}.bak`), previous);
  await put(file, text, async () => {
    // Optimistic check against writers that ignore our lock (asadmin, an editor).
    const now = await fs.stat(file);
    if (now.ino !== before.ino || now.size !== before.size || now.mtimeMs !== before.mtimeMs) {
      throw new ImsError(
        "CONCURRENT_MODIFICATION",
        `${file} was changed by another program while it was being edited`,
      );
    }
  });
  const dh = await fs.open(dir, "r").catch(() => undefined);
  if (dh) {
    await dh.sync().catch(() => undefined);
    await dh.close();
  }
}

function applyAll(text: string, file: string, jobs: Job[]): { doc: XmlDocument; ok: Job[] } {
  let doc = parseDomain(text, file);
  const ok: Job[] = [];
  for (const job of jobs) {
    try {
      job.outcome = job.edit(doc);
      job.error = undefined;
      ok.push(job);
    } catch (e) {
      job.outcome = undefined;
      job.error = e;
      // The failed edit may have changed the tree before it threw: rebuild from the file and the
      // edits that succeeded, so it leaves no trace.
      doc = parseDomain(text, file);
      for (const good of ok) good.outcome = good.edit(doc);
    }
  }
  return { doc, ok };
}

async function runBatch(file: string, jobs: Job[], options: StoreOptions): Promise<void> {
  await withFileLock(
    file,
    async () => {
      await assertDomainStopped(file);
      for (let attempt = 1; ; attempt++) {
        const st = await statOrThrow(file);
        const text = await fs.readFile(file, "utf8");
        const { doc, ok } = applyAll(text, file, jobs);
        if (!ok.some((j) => j.outcome?.changed)) return;
        const out = serializeXml(doc);
        if (out === text) return;
        if ((st.mode & 0o222) === 0) {
          throw new ImsError(
            "FILE_READONLY",
            `${file} is read-only (mode ${(st.mode & 0o777).toString(8)}): make it writable (chmod u+w) to let this change through`,
          );
        }
        try {
          await writeAtomic(file, out, text, st);
          return;
        } catch (e) {
          if (!isImsError(e, "CONCURRENT_MODIFICATION") || attempt >= 3) throw e;
        }
      }
    },
    options.lock,
  );
}

async function drain(file: string, queue: Queue, options: StoreOptions): Promise<void> {
  while (queue.pending.length > 0) {
    const jobs = queue.pending.splice(0);
    try {
      await runBatch(file, jobs, options);
      for (const job of jobs) {
        if (job.error !== undefined || !job.outcome) job.reject(job.error);
        else job.resolve(job.outcome);
      }
    } catch (e) {
      for (const job of jobs) job.reject(e);
    }
  }
  queue.running = false;
}

/**
 * Applies `edit` to the domain.xml at `p` and writes the result, one edit at a time per file
 * across processes (lock file) and within this one (queue). Edits that arrive while a write is
 * under way are applied together in the next batch: one read, one parse and one write serve them
 * all. The write goes to a temporary file that is synced and renamed over the original, whose
 * previous content is kept as `domain.xml.bak`. When the edit throws, the file is not changed.
 */
export function editDomain<T>(
  p: string,
  edit: Edit<T>,
  options: StoreOptions = {},
): Promise<EditOutcome<T>> {
  const file = domainPath(p);
  const queues = registry().queues;
  let queue = queues.get(file);
  if (!queue) {
    queue = { pending: [], running: false };
    queues.set(file, queue);
  }
  const q = queue;
  return new Promise<EditOutcome<T>>((resolve, reject) => {
    q.pending.push({ edit: edit as Edit<unknown>, resolve: resolve as Job["resolve"], reject });
    if (!q.running) {
      q.running = true;
      // Let the edits of the same engine step wave join this batch.
      setImmediate(() => void drain(file, q, options));
    }
  });
}
