import { randomBytes } from "crypto";
import { ImsError } from "../errors";
import { encodeParts, type FileEncoding } from "../domain/encoding";
import { hashFile, readChunks, writeFileAtomic, type Written } from "./atomic";
import { errnoOf, type FileStat, type Host, type ReadHandle } from "./effects";

/** What the edit started from: the real file's encoding, a hash of its bytes, and its stat. */
export interface Origin {
  /** How the file is encoded (the written bytes keep it). */
  encoding: FileEncoding;
  /** The hash of the bytes read, compared again just before the rename. */
  sha256: string;
  /** The file's stat when it was read (inode, mode, owner). */
  st: FileStat;
  /** The buffer the file was read into, reused to read the temp file back (see readRegular). */
  scratch: Buffer;
}

/** How {@link writeDomain} checks the text and the file around the rename. */
export interface WriteChecks {
  /** Checks the bytes about to be renamed into place; throws when they are not a domain.xml. */
  parse: (bytes: Buffer, encoding: FileEncoding) => void;
  /**
   * Milliseconds to wait after the rename before checking again that the edit is in the file
   * (asked right after the rename).
   */
  settleMs: () => number;
}

/** Failure when a program that ignores the lock wrote the file meanwhile. */
function concurrent(file: string, what: string): ImsError {
  return new ImsError(
    "CONCURRENT_MODIFICATION",
    `${file} ${what}; another program wrote it without taking ${file}.lock`,
  );
}

/** Reads `len` bytes of an open file at `pos` into `buf`. */
async function bytesAt(
  handle: ReadHandle,
  pos: number,
  len: number,
  buf = Buffer.alloc(len),
): Promise<Buffer> {
  const bytesRead = await handle.read(buf, 0, len, pos);
  return buf.subarray(0, bytesRead);
}

/** Blocks compared natively (Buffer.compare) before the one that differs is scanned by byte. */
const BLOCK = 4096;

/** The index of the first byte where `a` and `b` differ within `len`, or `len`. */
function firstDifference(a: Buffer, b: Buffer, len: number): number {
  let from = 0;
  while (
    from < len &&
    a.compare(b, from, Math.min(len, from + BLOCK), from, Math.min(len, from + BLOCK)) === 0
  ) {
    from += BLOCK;
  }
  for (let i = from; i < len; i++) if (a[i] !== b[i]) return i;
  return len;
}

/** How many bytes `a` and `b` (each `len` long) share at their ends. */
function sameSuffix(a: Buffer, b: Buffer, len: number): number {
  let to = len;
  while (to > 0 && a.compare(b, Math.max(0, to - BLOCK), to, Math.max(0, to - BLOCK), to) === 0) {
    to -= BLOCK;
  }
  for (let i = Math.max(0, to) - 1; i >= 0; i--) if (a[i] !== b[i]) return len - 1 - i;
  return len;
}

/**
 * The bytes of `written` that differ from `original`, with 64 bytes of context each side,
 * found by comparing both files from each end in pieces (neither is held whole).
 */
async function changedBytes(host: Host, written: string, original: string): Promise<Buffer> {
  const [w, o] = await Promise.all([host.openRead(written), host.openRead(original)]);
  try {
    const [ws, os] = (await Promise.all([w.stat(), o.stat()])).map((st) => st.size);
    const max = Math.min(ws, os);
    const piece = Math.max(1, Math.min(1 << 20, Math.max(ws, os)));
    const [bw, bo] = [Buffer.allocUnsafe(piece), Buffer.allocUnsafe(piece)];
    let head = 0;
    while (head < max) {
      const len = Math.min(piece, max - head);
      const [a, b] = await Promise.all([bytesAt(w, head, len, bw), bytesAt(o, head, len, bo)]);
      const at = firstDifference(a, b, len);
      head += at;
      if (at < len) break;
    }
    let tail = 0;
    while (tail < max - head) {
      const len = Math.min(piece, max - head - tail);
      const [a, b] = await Promise.all([
        bytesAt(w, ws - tail - len, len, bw),
        bytesAt(o, os - tail - len, len, bo),
      ]);
      const same = sameSuffix(a, b, len);
      tail += same;
      if (same < len) break;
    }
    const from = Math.max(0, head - 64);
    return bytesAt(w, from, Math.max(0, ws - Math.max(0, tail - 64) - from));
  } finally {
    await Promise.all([w.close(), o.close()]);
  }
}

/**
 * Writes the text made of `parts` over the real file `real` (whose bytes were `origin` when the
 * edit read them), in `origin`'s encoding, mode, owner and group, keeping the previous bytes as
 * `<real>.bak`. Before the rename it reads the temp file back and re-checks it (a bad serializer
 * fails with `OUTPUT_MALFORMED`, the file untouched), keeps the file as `.bak` (see keepBackup), and
 * checks by content that it still holds `origin` (else `CONCURRENT_MODIFICATION`, nothing written).
 * After the rename, and again `settleMs` later, it checks that the file holds the edit (what was
 * written, or a later version containing the changed bytes); else `CONCURRENT_MODIFICATION` and
 * the caller redoes the edit on top. Returns what was written, or undefined when the output
 * equals the file (no write).
 */
export async function writeDomain(
  host: Host,
  real: string,
  shown: string,
  origin: Origin,
  parts: string[],
  checks: WriteChecks,
): Promise<Written | undefined> {
  const owner = { mode: origin.st.mode, uid: origin.st.uid, gid: origin.st.gid };
  let region: Buffer | undefined;
  let unchanged = false;
  let pinned: FileStat | undefined;
  const beforeRename = async (temp: Written): Promise<"skip" | void> => {
    if (temp.sha256 === origin.sha256) {
      unchanged = true;
      return "skip";
    }
    // Both only read: side by side (over SSH, one wait instead of two), failures in this order.
    const [parsed, diff] = await Promise.allSettled([
      host
        .readRegular(temp.path, origin.scratch)
        .then(({ bytes }) => checks.parse(bytes ?? Buffer.alloc(0), origin.encoding)),
      changedBytes(host, temp.path, real),
    ]);
    if (parsed.status === "rejected") throw parsed.reason;
    if (diff.status === "rejected") throw diff.reason;
    region = diff.value;
    pinned = await keepBackup(host, real, shown, origin.sha256);
  };
  const changed = () => concurrent(shown, "changed during the edit");
  const lastCheck = () => {
    const was = pinned;
    if (!was) throw changed();
    const { ino, mtimeNs, ctimeNs } = was;
    return { guard: { path: real, ino, mtimeNs, ctimeNs }, onChanged: changed };
  };
  const written = await writeFileAtomic(host, real, encodeParts(parts, origin.encoding), {
    ...owner,
    beforeRename,
    lastCheck,
  });
  if (unchanged) return undefined;
  const landed = async (): Promise<boolean> => {
    // Still the inode written, untouched since (an in-place write changes size or mtime).
    const st = await host.stat(real).catch(() => undefined);
    if (
      st?.ino === written.ino &&
      BigInt(st.size) === written.size &&
      st.mtimeNs === written.mtimeNs
    ) {
      return true;
    }
    // Replaced since: fine when the newer version was made on top of this edit.
    const now = await host.readFile(real).catch(() => undefined);
    return now !== undefined && region !== undefined && now.includes(region);
  };
  const lost = () => concurrent(shown, "was overwritten right after this edit was written");
  if (!(await landed())) throw lost();
  const settle = checks.settleMs();
  if (settle > 0) {
    await new Promise((r) => setTimeout(r, settle));
    if (!(await landed())) throw lost();
  }
  return written;
}

/** {@link keepBackup} where hard links are refused: a checked copy, with the original's owner. */
async function copyBackup(
  host: Host,
  real: string,
  shown: string,
  sha256: string,
): Promise<FileStat> {
  const st = await host.stat(real);
  await writeFileAtomic(host, `${real}.bak`, readChunks(host, real), {
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    beforeRename: async (bak) => {
      if (bak.sha256 !== sha256) throw concurrent(shown, "changed during the edit");
    },
  });
  return st;
}

/**
 * Makes the file as it is now `<real>.bak`: a hard link to its inode under an unpredictable name
 * (no copy, no fsync, and the `.bak` has the original's mode and owner because it is that very
 * file), renamed to `.bak`, then checked by content to be what the edit started from. Returns the
 * stat of that inode for the last check before the rename: the window left for an unlocked writer
 * is the microseconds between that synchronous stat and the rename (rename(2) is not
 * compare-and-swap: that window cannot be closed).
 */
async function keepBackup(
  host: Host,
  real: string,
  shown: string,
  sha256: string,
): Promise<FileStat> {
  const pin = `${real}.${randomBytes(9).toString("hex")}.bak-tmp`;
  const bak = `${real}.bak`;
  try {
    await host.link(real, pin);
  } catch (e) {
    // No hard links here (some file systems; protected_hardlinks for a file of another user):
    // copy instead, as the atomic writer does every file.
    // link(2) fails with ENOENT when a rename replaces the file at that very moment.
    if (errnoOf(e) === "ENOENT") throw concurrent(shown, "changed during the edit");
    if (!["EPERM", "ENOTSUP", "EOPNOTSUPP", "EXDEV", "EMLINK"].includes(errnoOf(e))) throw e;
    return copyBackup(host, real, shown, sha256);
  }
  try {
    await host.rename(pin, bak);
    // rename(2) does nothing when `.bak` already is this inode (a redo): drop the pin then.
    await host.unlink(pin).catch(() => undefined);
    // Stat after the link count changes (they change ctime), hash after the stat: a write after
    // this point changes ctime, which the last check sees.
    const pinned = await host.stat(bak);
    if ((await hashFile(host, bak)) !== sha256) throw concurrent(shown, "changed during the edit");
    return pinned;
  } catch (e) {
    await host.unlink(pin).catch(() => undefined);
    throw e;
  }
}
