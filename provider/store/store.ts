import { createHash } from "crypto";
import * as path from "path";
import { ImsError, isImsError } from "../errors";
import { assertWellFormed, recheck } from "../domain/check";
import { decodeFile, detectEncoding, type FileEncoding } from "../domain/encoding";
import { parseXml, serializeParts, type XmlDocument } from "../domain/xml";
import { domainRunningError, findRunningDas } from "./das";
import { gateBatch } from "./lifecycle";
import { shownPath, stillSeen, type FileStat, type Host, type SeenFile } from "./effects";
import { localHost } from "./local";
import { withFileLock, type LockOptions } from "./lock";
import { writeDomain, type Origin } from "./write-domain";

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

/**
 * A domain.xml on a host: where the store reads and edits it. A plain path is a file on this
 * machine.
 */
export interface DomainFile {
  /** The host that holds the file (see effects.ts). */
  host: Host;
  /** The file's absolute path on that host. */
  path: string;
}

/** A domain.xml as the store's callers name it: a local path, or a file on a host. */
export type DomainLocation = string | DomainFile;

/** A located file: its host, its absolute path there, how messages show it, and its cache key. */
interface Target {
  host: Host;
  file: string;
  shown: string;
  /** The key of its queue and cached read: the path, prefixed with the host's id when remote. */
  key: string;
}

function target(p: DomainLocation): Target {
  const host = typeof p === "string" ? localHost : p.host;
  const file = typeof p === "string" ? domainPath(p) : path.posix.resolve("/", p.path);
  return { host, file, shown: shownPath(host, file), key: keyOf(host, file) };
}

/** The key of a file of `host` in the registry's maps (a local file's is its path, as before). */
function keyOf(host: Host, file: string): string {
  return host.id === localHost.id ? file : `${host.id}\0${file}`;
}

/** A parsed domain.xml as {@link readDomain} gives it. */
export interface DomainRead {
  /** The lossless tree (must not be modified). */
  doc: XmlDocument;
  /** The decoded text (BOM excluded). */
  text: string;
  /** The file's encoding, as its BOM and declaration say. */
  encoding: FileEncoding;
  /** The real path that was read (symlinks resolved). */
  realPath: string;
}

interface CachedRead {
  /** The file the read found: its real path and stat. */
  seen: SeenFile;
  doc: Promise<DomainRead>;
}

/**
 * A file as this process last read (and checked) or wrote it, by real path: while the file's text
 * is the same (it is still read and decoded on every use, which also times the pause after a
 * write), an edit or a read skips checking, hashing and parsing it again, and an edit reuses the
 * tree the previous one left (the file's content, machine index included). Decoding is strict, so
 * the same text in the same encoding is the same bytes. Kept only for files up to
 * {@link KNOWN_MAX} characters.
 */
interface Known {
  text: string;
  encoding: FileEncoding;
  /** SHA-256 of the bytes; unset for a text about to be written until the write says it. */
  sha256?: string;
  /** True once `text` passed the parser's validation (a text the store wrote always has). */
  validated: boolean;
  /** The tree of `text`, left by the last edit for the next one (an edit takes it). */
  doc?: XmlDocument;
}

/**
 * The versions of one file kept: the one last found in it (read or written), and the one being
 * written now (a read meanwhile finds the first, a read once it is renamed into place the second).
 */
interface KnownFile {
  file?: Known;
  writing?: Known;
}

/** Larger files are not kept: an edit would hold them twice (they are checked and parsed afresh). */
const KNOWN_MAX = 4 << 20;

interface Registry {
  queues: Map<string, Queue>;
  reads: Map<string, CachedRead>;
  known: Map<string, KnownFile>;
}

// Shared through a global symbol rather than module state: the engine may load this module more
// than once (one copy per serialized provider), and all copies must share one queue per file.
const REGISTRY = Symbol.for("glassfish-ims.domain-store.v2");

function registry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  let r = g[REGISTRY];
  if (!r) {
    r = { queues: new Map(), reads: new Map(), known: new Map() };
    g[REGISTRY] = r;
  }
  return r;
}

/** Options of the file layer; tests shorten the lock timings. */
export interface StoreOptions {
  lock?: LockOptions;
  /**
   * After renaming its write into place, the store waits this long and checks that the file
   * still holds what it wrote, to catch a program that ignores the lock and had read the file
   * before the rename (its own rename then comes later). By default it waits four times as long
   * as reading and decoding the file took (a measure of the file's size and of how busy the
   * machine is, which is what another program's read-modify-rename takes too), at least 10 ms and
   * at most 1 s. See docs/behaviour.md, "Outside writers".
   */
  settleMs?: number;
  /**
   * How often an edit is redone on top of a write made meanwhile by a program that ignores the
   * lock, before the edit fails with `CONCURRENT_MODIFICATION`.
   * @default 10
   */
  attempts?: number;
  /** For tests only: changes the text about to be written, to prove a bad serializer is caught. */
  corruptOutput?: (text: string) => string;
}

/** The absolute path of a domain.xml (relative paths are taken from the working directory). */
export function domainPath(p: string): string {
  return path.resolve(p);
}

function ioError(file: string, e: unknown): ImsError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") {
    return new ImsError(
      "FILE_NOT_FOUND",
      `${file} does not exist: give the path of the domain's config/domain.xml`,
      { cause: e },
    );
  }
  return new ImsError("IO_ERROR", `cannot read ${file}: ${(e as Error).message}`, { cause: e });
}

/**
 * The real path of a domain.xml: a symlinked file or directory is resolved, so that the edit, the
 * lock, the `.bak` and the temp files all land beside the file GlassFish reads, and the link
 * stays a link.
 */
export async function realDomainPath(p: DomainLocation): Promise<string> {
  const { host, file, shown } = target(p);
  return realOf(host, file, shown);
}

async function realOf(host: Host, file: string, shown: string): Promise<string> {
  try {
    return await host.realpath(file);
  } catch (e) {
    throw ioError(shown, e);
  }
}

function parseDomain(text: string, file: string, validated = false): XmlDocument {
  const doc = parseXml(text, file, { validated });
  if (doc.root.name !== "domain") {
    throw new ImsError(
      "NOT_A_DOMAIN",
      `${file} has root element <${doc.root.name}>, not <domain>: is this a GlassFish domain.xml?`,
    );
  }
  return doc;
}

/**
 * Fails when the GlassFish domain that owns the file is running or starting: its `config/pid`
 * (beside domain.xml) names a live process, or a live process's command line names the domain
 * (see {@link findRunningDas}), on the file's host. A running DAS holds its own copy of the
 * configuration and would overwrite any edit.
 */
export async function assertDomainStopped(p: DomainLocation): Promise<void> {
  const { host, file } = target(p);
  const das = await findRunningDas(file, host);
  if (das) throw domainRunningError(file, das, host.label ? host : undefined);
}

/** One read of the real file: its text, and what the write needs to know of it. */
interface Snapshot extends Origin {
  text: string;
  /** The tree the last edit left, when the file is still what that edit wrote. */
  doc?: XmlDocument;
  /** How long reading and decoding the file took. */
  readMs: number;
}

/** Whether two encodings write a text as the same bytes (same encoding and byte order mark). */
function sameEncoding(a: FileEncoding, b: FileEncoding): boolean {
  return a.name === b.name && a.bom.equals(b.bom);
}

/**
 * Reads the file whole, with the stat of the same open file. A file whose text is what this
 * process last read or wrote (see Known) skips the checks and the parse (and the hash, once
 * known): they come from memory, the tree along when `takeTree` (the edit then owns it).
 */
async function snapshot(
  host: Host,
  real: string,
  shown: string,
  takeTree = false,
  /** The file's stat and bytes, when the caller has just read them. */
  given?: { st: FileStat; bytes: Buffer },
): Promise<Snapshot> {
  // The local host reads synchronously (see local.ts): the read does not queue behind the
  // writes' fsyncs. It opens without blocking, so a FIFO in the file's place is refused below
  // instead of hanging the process.
  const started = Date.now();
  const rk = keyOf(host, real);
  let read: { st: FileStat; bytes?: Buffer; hostMs?: number };
  try {
    read = given ?? (await host.readRegular(real));
  } catch (e) {
    throw ioError(shown, e);
  }
  const decodeFrom = Date.now();
  try {
    const { st, bytes } = read;
    if (!st.isFile || !bytes)
      throw new ImsError("FILE_NOT_FOUND", `${shown} is not a regular file`);
    const encoding = detectEncoding(bytes, shown);
    const text = decodeFile(bytes, encoding, shown);
    // What any program editing the file must at least do, read and decode it, measures how long
    // another writer's read-modify-rename takes (the pause after a write, see StoreOptions). On a
    // remote host, the read as the host timed it: a writer there does not pay the network's
    // round trip, and counting it made every remote write pause some 100 ms for nothing.
    const readMs =
      read.hostMs === undefined ? Date.now() - started : read.hostMs + (Date.now() - decodeFrom);
    // The buffer the file was read into, whole, for the edit's next full read (see readWhole in local.ts).
    const scratch = Buffer.from(
      bytes.buffer,
      bytes.byteOffset,
      bytes.buffer.byteLength - bytes.byteOffset,
    );
    const known = knownAs(rk, text, encoding);
    if (known) {
      const doc = takeTree ? known.doc : undefined;
      if (takeTree) known.doc = undefined;
      known.sha256 ??= createHash("sha256").update(bytes).digest("hex");
      return { text: known.text, encoding, sha256: known.sha256, st, scratch, doc, readMs };
    }
    assertWellFormed(bytes, encoding, shown);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    remember(rk, { text, encoding, sha256, validated: false });
    return { text, encoding, sha256, st, scratch, readMs };
  } catch (e) {
    throw isImsError(e) ? e : ioError(shown, e);
  }
}

/** The kept version of the file `rk` whose text is `text` (in `encoding`, when given), if any. */
function knownAs(rk: string, text: string, encoding?: FileEncoding): Known | undefined {
  const kept = registry().known.get(rk);
  return [kept?.writing, kept?.file].find(
    (k) => k !== undefined && k.text === text && (!encoding || sameEncoding(k.encoding, encoding)),
  );
}

/**
 * Records a version of the file `rk` as the one found in it, or (`writing`) as the one being
 * written (a file too large to hold is forgotten instead).
 */
function remember(rk: string, known: Known, as: keyof KnownFile = "file"): void {
  const all = registry().known;
  if (known.text.length > KNOWN_MAX) all.delete(rk);
  else all.set(rk, { ...all.get(rk), [as]: known });
}

/** Parses a snapshot's text, validating it unless it is a known text that passed already. */
function parseSnapshot(rk: string, text: string, file: string): XmlDocument {
  const known = knownAs(rk, text);
  const doc = parseDomain(text, file, known?.validated === true);
  if (known) known.validated = true;
  return doc;
}

/**
 * Reads and parses a domain.xml (through symlinks), decoding it as its BOM and XML declaration
 * say. Concurrent readers of an unchanged file share one parse, so a refresh of thousands of
 * resources reads the file once. The result must not be modified.
 */
export async function readDomain(p: DomainLocation): Promise<DomainRead> {
  const { host, file, shown, key: fileKey } = target(p);
  const reads = registry().reads;
  const hit = reads.get(fileKey);
  // One step: the real path, its stat and (when it is not the file read last) its bytes.
  let found: Awaited<ReturnType<Host["readChanged"]>>;
  try {
    found = await host.readChanged(file, hit?.seen);
  } catch (e) {
    throw ioError(shown, e);
  }
  const { real: realPath, st } = found;
  if (!st.isFile) throw new ImsError("FILE_NOT_FOUND", `${shown} is not a regular file`);
  const seen = { real: realPath, ...st };
  if (hit && stillSeen(hit.seen, realPath, st)) return hit.doc;
  const rk = keyOf(host, realPath);
  // The bytes came along unless the host found the file as `hit` saw it, which the line above
  // answers alike: read afresh only should the two ever disagree.
  const doc = snapshot(
    host,
    realPath,
    shown,
    false,
    found.bytes && { st, bytes: found.bytes },
  ).then(({ text, encoding }) => ({
    doc: parseSnapshot(rk, text, shown),
    text,
    encoding,
    realPath,
  }));
  reads.set(fileKey, { seen, doc });
  doc.catch(() => reads.delete(fileKey));
  return doc;
}

/**
 * Applies the jobs to `first` (the tree the last edit left, when the file is still what it
 * wrote) or to a fresh `parse()` of the file's text. A failed edit may have changed the tree
 * before it threw: the tree is rebuilt from the text and the edits that succeeded, so it leaves
 * no trace.
 */
function applyAll(
  parse: () => XmlDocument,
  jobs: Job[],
  first: XmlDocument | undefined,
): { doc: XmlDocument; ok: Job[] } {
  let doc = first ?? parse();
  const ok: Job[] = [];
  for (const job of jobs) {
    try {
      job.outcome = job.edit(doc);
      job.error = undefined;
      ok.push(job);
    } catch (e) {
      job.outcome = undefined;
      job.error = e;
      doc = parse();
      for (const good of ok) good.outcome = good.edit(doc);
    }
  }
  return { doc, ok };
}

/** What a batch's edits make of the file: the output pieces, and the tree they came from. */
interface Staged {
  parts: string[];
  doc: XmlDocument;
  /** The whole output text, for a file small enough to keep (see Known); its only part. */
  text?: string;
}

/**
 * Applies the jobs and gives the output as pieces, or undefined when no edit changed anything.
 * Kept apart so that, for a file too large to keep (see Known), the text and tree die with this
 * call: a large file is then held once while it is written. A file small enough to keep is
 * written from one joined text, which becomes the known version once it is in place.
 */
function stage(
  snap: Snapshot,
  rk: string,
  file: string,
  jobs: Job[],
  options: StoreOptions,
): Staged | undefined {
  const parse = () => parseSnapshot(rk, snap.text, file);
  const { doc, ok } = applyAll(parse, jobs, snap.doc);
  if (!ok.some((j) => j.outcome?.changed)) {
    // Nothing to write: the tree still is the file, for the next edit.
    const known = knownAs(rk, snap.text);
    if (known && ok.length === jobs.length) known.doc = doc;
    return undefined;
  }
  const parts = serializeParts(doc);
  if (options.corruptOutput) return { parts: [options.corruptOutput(parts.join(""))], doc };
  if (snap.text.length > KNOWN_MAX) return { parts, doc };
  const text = parts.join("");
  return { parts: [text], doc, text };
}

async function runBatch(t: Target, jobs: Job[], options: StoreOptions): Promise<void> {
  const { host, shown: file } = t;
  const real = await realOf(host, t.file, file);
  const rk = keyOf(host, real);
  const attempts = options.attempts ?? 10;
  const parse = (bytes: Buffer, encoding: FileEncoding): void =>
    recheck(bytes, encoding, file, (text) => parseDomain(text, file));
  // Set by the first write of the batch when it stopped a managed domain late (see lifecycle.ts).
  let restart: (() => Promise<void>) | undefined;
  await withFileLock(
    host,
    real,
    async () => {
      const gate = await gateBatch(host, t.file);
      for (let attempt = 1; ; attempt++) {
        // Only the output pieces outlive this call (see stage): the source text dies with them.
        const staged = await snapshot(host, real, file, true).then((snap) => {
          const { encoding, sha256, st, scratch, readMs } = snap;
          const origin: Origin = { encoding, sha256, st, scratch };
          return { origin, readMs, out: stage(snap, rk, file, jobs, options) };
        });
        const { origin, readMs, out } = staged;
        if (!out) return;
        if ((origin.st.mode & 0o222) === 0) {
          throw new ImsError(
            "FILE_READONLY",
            `${file} is read-only (mode ${(origin.st.mode & 0o777).toString(8)}): make it writable (chmod u+w) to let this change through`,
          );
        }
        // A managed DAS found running is stopped before the first write, never for a batch that
        // writes nothing (see lifecycle.ts).
        restart ??= await gate?.stop();
        try {
          const settleMs = (): number =>
            options.settleMs ?? Math.min(1000, Math.max(10, 4 * readMs));
          // Known before it is in place: a read that finds this text in the file (from the
          // rename on, the checks of the next resources during the pause) finds it checked and
          // parsed. Known by its text, it is harmless when the write does not happen.
          const { text } = out;
          if (text === undefined) registry().known.delete(rk);
          else
            remember(
              rk,
              { text, encoding: origin.encoding, validated: true, doc: out.doc },
              "writing",
            );
          const written = await writeDomain(host, real, file, origin, out.parts, {
            parse,
            settleMs,
          });
          // In place: the version of the file from now on.
          const done = registry().known.get(rk)?.writing;
          if (done !== undefined && done.text === text) {
            done.sha256 = written?.sha256 ?? origin.sha256;
            registry().known.set(rk, { file: done });
          }
          return;
        } catch (e) {
          registry().known.delete(rk);
          if (!isImsError(e, "CONCURRENT_MODIFICATION") || attempt >= attempts) throw e;
        }
      }
    },
    options.lock,
  ).finally(() => restart?.());
}

async function drain(t: Target, queue: Queue, options: StoreOptions): Promise<void> {
  while (queue.pending.length > 0) {
    const jobs = queue.pending.splice(0);
    try {
      await runBatch(t, jobs, options);
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
 * `p` is a local path or a file on another host (see {@link DomainFile}): the same steps run
 * there, through its effects.
 */
export function editDomain<T>(
  p: DomainLocation,
  edit: Edit<T>,
  options: StoreOptions = {},
): Promise<EditOutcome<T>> {
  const t = target(p);
  const queues = registry().queues;
  let queue = queues.get(t.key);
  if (!queue) {
    queue = { pending: [], running: false };
    queues.set(t.key, queue);
  }
  const q = queue;
  return new Promise<EditOutcome<T>>((resolve, reject) => {
    q.pending.push({ edit: edit as Edit<unknown>, resolve: resolve as Job["resolve"], reject });
    if (!q.running) {
      q.running = true;
      // Let the edits of the same engine step wave join this batch.
      setImmediate(() => void drain(t, q, options));
    }
  });
}
