import { createHash, randomBytes } from "crypto";
import * as path from "path";
import { ImsError, isImsError } from "../errors";
import { errnoOf, shownPath, type Host, type ReadHandle, type RenameGuard } from "./effects";

/** Who owns the written file and with which permission bits. */
export interface Ownership {
  /** Permission bits (`& 0o7777` is applied), set explicitly whatever the umask. */
  mode: number;
  /** Owner and group; changed only when they differ from the writing process's defaults. */
  uid: number;
  /** The group (see `uid`). */
  gid: number;
}

/** What the atomic writer did, for the caller's checks after the rename. */
export interface Written {
  /** SHA-256 of the bytes written. */
  sha256: string;
  /** Inode of the new file (the temp file that was renamed into place). */
  ino: bigint;
  /** Its size and modification time once written: as long as both hold, it is untouched. */
  size: bigint;
  mtimeNs: bigint;
  /** The temp file's path (valid until the rename). */
  path: string;
}

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions extends Ownership {
  /**
   * Runs after the temp file is complete and synced, right before the rename; throwing or
   * returning "skip" cancels the write (the temp file is removed, the target untouched).
   */
  beforeRename?: (written: Written) => Promise<"skip" | void>;
  /**
   * The last check, made by the host as close to the rename as it can (see
   * {@link FileEffects.renameIfUnchanged}): the rename happens only while this file still has
   * this inode and these times, else the write is cancelled with `onChanged()`'s error.
   */
  lastCheck?: () => { guard: RenameGuard; onChanged: () => Error };
}

/**
 * Writes `target` atomically, write-file-atomic's way: a temp file beside it, created exclusively
 * (`O_CREAT|O_EXCL|O_NOFOLLOW`) under an unpredictable name, so a planted file or symlink makes
 * the write fail instead of being written through; the bytes written and fsynced; owner, group
 * and mode set on the open file; renamed over `target` (which replaces a symlink at `target`
 * itself, never what it points to); the directory fsynced. Callers that mean to edit what a
 * symlink points to pass its real path. `chunks` yields the content piece by piece so that a
 * large file is never held twice. A failure of the file system (no space, no permission, a
 * planted temp name) is an `IO_ERROR` naming the file; the checks' own errors pass unchanged.
 */
export async function writeFileAtomic(
  host: Host,
  target: string,
  /** The content; each piece is written before the next is asked for, so pieces may share memory. */
  chunks: Iterable<Buffer> | AsyncIterable<Buffer>,
  options: AtomicWriteOptions,
): Promise<Written> {
  try {
    return await write(host, target, chunks, options);
  } catch (e) {
    if (isImsError(e) || !errnoOf(e)) throw e;
    throw new ImsError(
      "IO_ERROR",
      `cannot write ${shownPath(host, target)}: ${(e as Error).message}. Check free space and that the directory is writable by this user; the file was not changed`,
      { cause: e },
    );
  }
}

async function write(
  host: Host,
  target: string,
  chunks: Iterable<Buffer> | AsyncIterable<Buffer>,
  options: AtomicWriteOptions,
): Promise<Written> {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${randomBytes(9).toString("hex")}.tmp`);
  const handle = await host.createExclusive(tmp, 0o600);
  let written: Written;
  try {
    try {
      const hash = createHash("sha256");
      for await (const chunk of chunks) {
        hash.update(chunk);
        await handle.write(chunk, 0, chunk.length);
      }
      const st = await handle.stat();
      // chown before chmod: changing the owner clears set-id bits.
      if (st.uid !== options.uid || st.gid !== options.gid) await chownAsAllowed(handle, options);
      await handle.chmod(options.mode & 0o7777);
      await handle.sync();
      const done = await handle.stat();
      written = {
        sha256: hash.digest("hex"),
        ino: done.ino,
        size: BigInt(done.size),
        mtimeNs: done.mtimeNs,
        path: tmp,
      };
    } finally {
      await handle.close();
    }
    if ((await options.beforeRename?.(written)) === "skip") {
      await host.unlink(tmp);
      return written;
    }
    const last = options.lastCheck?.();
    if (last) {
      if (!(await host.renameIfUnchanged(tmp, target, last.guard))) throw last.onChanged();
    } else {
      await host.rename(tmp, target);
    }
  } catch (e) {
    await host.unlink(tmp).catch(() => undefined);
    throw e;
  }
  await host.syncDir(dir);
  return written;
}

/**
 * Gives the file the wanted owner and group. Root always can; another user can only hand a file
 * to a group it belongs to, and otherwise keeps its own ids (a rename cannot keep someone else's
 * ownership), which is the best a non-root writer can do.
 */
async function chownAsAllowed(
  handle: { chown(uid: number, gid: number): Promise<void> },
  want: Ownership,
): Promise<void> {
  try {
    await handle.chown(want.uid, want.gid);
  } catch (e) {
    if (errnoOf(e) !== "EPERM") throw e;
    await handle.chown(-1, want.gid).catch(() => undefined);
  }
}

/**
 * The bytes of `file` piece by piece (each valid until the next is asked for), read through one
 * handle opened without following a symlink at `file` itself (for copying it).
 */
export async function* readChunks(
  host: Host,
  file: string,
  chunk = 1 << 20,
): AsyncGenerator<Buffer> {
  const handle = await host.openRead(file, { nofollow: true });
  try {
    yield* readHandle(handle, chunk);
  } finally {
    await handle.close();
  }
}

/**
 * The bytes of an open file from its start, piece by piece. The pieces share one buffer: each is
 * valid until the next is asked for (garbage-free for large files).
 */
async function* readHandle(handle: ReadHandle, chunk = 1 << 20): AsyncGenerator<Buffer> {
  // No larger than the file: a buffer per read of a small file, not a megabyte (large buffers
  // live outside the heap, and allocating one per write makes the garbage collector run often).
  const size = (await handle.stat()).size;
  const buf = Buffer.allocUnsafe(Math.max(1, Math.min(chunk, size)));
  for (let pos = 0; ;) {
    const bytesRead = await handle.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) return;
    pos += bytesRead;
    yield buf.subarray(0, bytesRead);
  }
}

/** SHA-256 of a file's content, read in pieces (`undefined` when it does not exist). */
export async function hashFile(host: Host, file: string): Promise<string | undefined> {
  const hash = createHash("sha256");
  try {
    for await (const chunk of readChunks(host, file)) hash.update(chunk);
  } catch (e) {
    if (errnoOf(e) === "ENOENT") return undefined;
    throw e;
  }
  return hash.digest("hex");
}
