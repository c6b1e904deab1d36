import { promises as fs } from "fs";
import * as os from "os";
import { ImsError } from "../errors";

/** How long to wait for a lock and when a held lock counts as abandoned. */
export interface LockOptions {
  /**
   * Give up waiting after this long.
   * @default 60000
   */
  timeoutMs?: number;
  /**
   * A lock whose file was not touched for this long is abandoned (its holder refreshes it every
   * third of this while it works). A lock of a dead process on this host is abandoned at once.
   * @default 30000
   */
  staleMs?: number;
}

interface Holder {
  pid: number;
  host: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readHolder(
  lock: string,
): Promise<{ raw: string; holder?: Holder; mtimeMs: number } | undefined> {
  try {
    const [raw, st] = await Promise.all([fs.readFile(lock, "utf8"), fs.stat(lock)]);
    let holder: Holder | undefined;
    try {
      holder = JSON.parse(raw) as Holder;
    } catch {
      holder = undefined;
    }
    return { raw, holder, mtimeMs: st.mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

function isStale(h: { holder?: Holder; mtimeMs: number }, staleMs: number): boolean {
  if (Date.now() - h.mtimeMs > staleMs) return true;
  return h.holder !== undefined && h.holder.host === os.hostname() && !alive(h.holder.pid);
}

/**
 * Breaks an abandoned lock without ever deleting a fresh one: the file is renamed aside first,
 * and put back if it turns out to be another one than the one judged stale.
 */
async function breakStale(lock: string, staleRaw: string): Promise<void> {
  const aside = `${lock}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await fs.rename(lock, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  const raw = await fs.readFile(aside, "utf8").catch(() => staleRaw);
  if (raw !== staleRaw) await fs.link(aside, lock).catch(() => undefined);
  await fs.unlink(aside).catch(() => undefined);
}

/**
 * Runs `fn` while holding `<file>.lock`, a lock that works across processes (exclusive create)
 * and recovers from holders that died. Released in all cases.
 */
export async function withFileLock<T>(
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
  for (;;) {
    try {
      await fs.writeFile(lock, me, { flag: "wx" });
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") {
        throw new ImsError("IO_ERROR", `cannot create lock file ${lock}: ${(e as Error).message}`, {
          cause: e,
        });
      }
    }
    const current = await readHolder(lock);
    if (current && isStale(current, staleMs)) {
      await breakStale(lock, current.raw);
      continue;
    }
    if (Date.now() > deadline) {
      const who = current?.holder
        ? `process ${current.holder.pid} on ${current.holder.host} since ${current.holder.since}`
        : "an unknown process";
      throw new ImsError(
        "LOCK_TIMEOUT",
        `${file} is locked by ${who} (${lock}); waited ${timeoutMs} ms. If no such process runs, delete ${lock}`,
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 100);
  }
  const heartbeat = setInterval(
    () => {
      const now = new Date();
      // lutimes: a link planted in place of the lock must not have its target touched.
      fs.lutimes(lock, now, now).catch(() => undefined);
    },
    Math.max(staleMs / 3, 10),
  );
  heartbeat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    const current = await readHolder(lock).catch(() => undefined);
    if (current?.raw === me) await fs.unlink(lock).catch(() => undefined);
  }
}
