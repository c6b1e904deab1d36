import * as os from "os";
import { performance } from "perf_hooks";
import { ImsError } from "../errors";
import { errnoOf, shownPath, type Host } from "./effects";
// The lock's holder is a process of this machine, whatever host holds the file.
import { alive } from "./local";

/** How long to wait for a lock and when a held lock counts as abandoned. */
export interface LockOptions {
  /**
   * Give up waiting after this long.
   * @default 60000
   */
  timeoutMs?: number;
  /**
   * A lock whose file a waiter saw unchanged (content and mtime) for this long is abandoned: its
   * holder refreshes it every third of this while it works. The waiter times that on its own
   * clock, so a DAS host whose clock is ahead of or behind this machine's changes nothing; a
   * waiter that finds an abandoned lock thus waits this long before breaking it. A lock of a dead
   * process of this machine is abandoned at once.
   * @default 30000
   */
  staleMs?: number;
}

interface Holder {
  pid: number;
  host: string;
  since: string;
}

/** The lock file as a waiter read it. */
interface Sighting {
  raw: string;
  holder?: Holder;
  /** The content, inode and mtime together: a holder's refresh changes it. */
  key: string;
}

async function readHolder(host: Host, lock: string): Promise<Sighting | undefined> {
  try {
    const [bytes, st] = await Promise.all([host.readFile(lock), host.stat(lock)]);
    const raw = bytes.toString("utf8");
    let holder: Holder | undefined;
    try {
      holder = JSON.parse(raw) as Holder;
    } catch {
      holder = undefined;
    }
    return { raw, holder, key: `${st.ino} ${st.mtimeNs} ${raw}` };
  } catch (e) {
    if (errnoOf(e) === "ENOENT") return undefined;
    throw e;
  }
}

/**
 * Whether a lock is abandoned: unchanged for more than `staleMs` since the waiter first saw it
 * so (`unchangedMs`, on the waiter's monotonic clock), or held by a dead process of this
 * machine. The lock's mtime is never compared with this machine's clock: it is the clock of the
 * file's host (or of whoever touched it last), which may be far ahead or behind.
 */
function isStale(h: Sighting, unchangedMs: number, staleMs: number): boolean {
  if (unchangedMs > staleMs) return true;
  return h.holder !== undefined && h.holder.host === os.hostname() && !alive(h.holder.pid);
}

/**
 * Breaks an abandoned lock without ever deleting a fresh one: the file is renamed aside first,
 * and put back if it turns out to be another one than the one judged stale.
 */
async function breakStale(host: Host, lock: string, staleRaw: string): Promise<void> {
  const aside = `${lock}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await host.rename(lock, aside);
  } catch (e) {
    if (errnoOf(e) === "ENOENT") return;
    throw e;
  }
  const raw = await host
    .readFile(aside)
    .then((b) => b.toString("utf8"))
    .catch(() => staleRaw);
  if (raw !== staleRaw) await host.link(aside, lock).catch(() => undefined);
  await host.unlink(aside).catch(() => undefined);
}

/**
 * Runs `fn` while holding `<file>.lock` on `host`, a lock that works across processes (exclusive
 * create) and recovers from holders that died. Released in all cases. The holder named in the
 * lock is this process on the machine that runs it (for a remote file, not the file's host).
 */
export async function withFileLock<T>(
  host: Host,
  file: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60000;
  const staleMs = options.staleMs ?? 30000;
  const lock = `${file}.lock`;
  const me = JSON.stringify({
    pid: process.pid,
    host: os.hostname(),
    since: new Date().toISOString(),
  });
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  /** The lock as last seen, and since when it looked so (this process's monotonic clock). */
  let seen: { key: string; sinceMs: number } | undefined;
  for (;;) {
    try {
      await host.writeExclusive(lock, me);
      break;
    } catch (e) {
      if (errnoOf(e) === "EROFS") {
        // The first write of an edit: nothing of it exists yet, and none of it can.
        throw new ImsError(
          "FILE_READONLY",
          `${shownPath(host, file)} is on a read-only file system: its lock file cannot be created (EROFS). Remount it read-write (mount -o remount,rw) to let this change through; the file was not changed`,
          { cause: e },
        );
      }
      if (errnoOf(e) !== "EEXIST") {
        throw new ImsError(
          "IO_ERROR",
          `cannot create lock file ${shownPath(host, lock)}: ${(e as Error).message}`,
          { cause: e },
        );
      }
    }
    const current = await readHolder(host, lock);
    if (current) {
      const now = performance.now();
      if (seen?.key !== current.key) seen = { key: current.key, sinceMs: now };
      if (isStale(current, now - seen.sinceMs, staleMs)) {
        await breakStale(host, lock, current.raw);
        seen = undefined;
        continue;
      }
    }
    if (Date.now() > deadline) {
      const who = current?.holder
        ? `process ${current.holder.pid} on ${current.holder.host} since ${current.holder.since}`
        : "an unknown process";
      throw new ImsError(
        "LOCK_TIMEOUT",
        `${shownPath(host, file)} is locked by ${who} (${lock}); waited ${timeoutMs} ms. If no such process runs, delete ${shownPath(host, lock)}`,
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 100);
  }
  const heartbeat = setInterval(
    () => {
      const now = new Date();
      // lutimes: a link planted in place of the lock must not have its target touched.
      host.lutimes(lock, now).catch(() => undefined);
    },
    Math.max(staleMs / 3, 10),
  );
  heartbeat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    const current = await readHolder(host, lock).catch(() => undefined);
    if (current?.raw === me) await host.unlink(lock).catch(() => undefined);
  }
}
