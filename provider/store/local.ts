// The store's effects on this machine: Node's file system and /proc.
//
// The reads, stats and the rename are synchronous calls wrapped in promises, on purpose: done in
// libuv's thread pool they would wait behind the fsyncs of the writes under way, so the `check`
// of the next resource (the engine runs them one after the other) waited for every write before
// it, and the time of a read, which sets the pause after a write (see StoreOptions.settleMs),
// measured that queue instead of the file. Copying a file from the page cache takes less than a
// millisecond per megabyte. The fs functions are called through the module object, so a test can
// wrap them (test/integration/store-outside.test.ts times the window before each rename).
import * as fs from "fs";
import { runBounded } from "../libvirt/connect";
import type {
  FileEffects,
  FileStat,
  Host,
  HostProcess,
  HostRunner,
  ProcessEffects,
  ReadHandle,
  WriteHandle,
} from "./effects";
import { stillSeen } from "./effects";

const { constants } = fs;

function fromStats(st: fs.BigIntStats): FileStat {
  return {
    isFile: st.isFile(),
    isDirectory: st.isDirectory(),
    isSymbolicLink: st.isSymbolicLink(),
    ino: st.ino,
    size: Number(st.size),
    mode: Number(st.mode),
    uid: Number(st.uid),
    gid: Number(st.gid),
    mtimeNs: st.mtimeNs,
    ctimeNs: st.ctimeNs,
  };
}

/** Runs a synchronous call as a promise: its error becomes the rejection. */
function now<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * The whole content of an open file, read into `scratch` when it fits (else into a new buffer
 * with some room to spare, which the caller may keep as its next scratch). Reusing one buffer
 * for every full read of an edit keeps a large file from being held several times over while
 * the garbage collector has not yet run.
 */
export function readWhole(fd: number, scratch?: Buffer): Buffer {
  const size = fs.fstatSync(fd).size;
  const buf =
    scratch && scratch.length >= size
      ? scratch
      : Buffer.allocUnsafe(size + Math.max(1 << 16, Math.floor(size / 50)));
  let off = 0;
  while (off < size) {
    const bytesRead = fs.readSync(fd, buf, off, size - off, off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return buf.subarray(0, off);
}

function readHandle(handle: fs.promises.FileHandle): ReadHandle {
  return {
    read: async (buffer, offset, length, position) =>
      (await handle.read(buffer, offset, length, position)).bytesRead,
    stat: async () => fromStats(await handle.stat({ bigint: true })),
    close: () => handle.close(),
  };
}

function writeHandle(handle: fs.promises.FileHandle): WriteHandle {
  return {
    write: async (buffer, offset, length) => {
      let off = offset;
      while (off < offset + length) {
        off += (await handle.write(buffer, off, offset + length - off)).bytesWritten;
      }
    },
    stat: async () => fromStats(await handle.stat({ bigint: true })),
    chown: (uid, gid) => handle.chown(uid, gid),
    chmod: (mode) => handle.chmod(mode),
    sync: () => handle.sync(),
    close: () => handle.close(),
  };
}

const NOFOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW;

/** Node's file system as the store's {@link FileEffects}. */
export const localFiles: FileEffects = {
  realpath: (p) => now(() => fs.realpathSync.native(p)),
  stat: (p) => now(() => fromStats(fs.statSync(p, { bigint: true }))),
  lstat: (p) => now(() => fromStats(fs.lstatSync(p, { bigint: true }))),
  readRegular: (p, scratch) =>
    now(() => {
      const fd = fs.openSync(p, constants.O_RDONLY | constants.O_NONBLOCK);
      try {
        const st = fromStats(fs.fstatSync(fd, { bigint: true }));
        return { st, bytes: st.isFile ? readWhole(fd, scratch) : undefined };
      } finally {
        fs.closeSync(fd);
      }
    }),
  readChanged: async (p, seen) => {
    const real = await localFiles.realpath(p);
    const st = await localFiles.stat(real);
    if (!st.isFile || stillSeen(seen, real, st)) return { real, st };
    const read = await localFiles.readRegular(real);
    return { real, st: read.st, bytes: read.bytes };
  },
  readFile: async (p, options) => {
    if (!options?.nofollow) return fs.promises.readFile(p);
    const h = await fs.promises.open(p, NOFOLLOW);
    try {
      return await h.readFile();
    } finally {
      await h.close();
    }
  },
  openRead: async (p, options) =>
    readHandle(await fs.promises.open(p, options?.nofollow ? NOFOLLOW : "r")),
  createExclusive: async (p, mode) =>
    writeHandle(
      await fs.promises.open(
        p,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        mode,
      ),
    ),
  writeExclusive: (p, data) => fs.promises.writeFile(p, data, { flag: "wx" }),
  rename: (from, to) => fs.promises.rename(from, to),
  renameIfUnchanged: (from, to, guard) =>
    now(() => {
      // Synchronous on purpose: nothing else runs between the last check and the rename, which
      // leaves a writer that ignores the lock the microseconds between these two calls.
      const st = fs.statSync(guard.path, { bigint: true });
      if (st.ino !== guard.ino || st.mtimeNs !== guard.mtimeNs || st.ctimeNs !== guard.ctimeNs) {
        return false;
      }
      fs.renameSync(from, to);
      return true;
    }),
  link: (from, to) => fs.promises.link(from, to),
  unlink: (p) => fs.promises.unlink(p),
  mkdir: (p, mode) => fs.promises.mkdir(p, { mode }).then(() => undefined),
  rmdir: (p) => fs.promises.rmdir(p),
  lutimes: (p, time) => fs.promises.lutimes(p, time, time),
  syncDir: async (dir) => {
    const dh = await fs.promises
      .open(dir, constants.O_RDONLY | constants.O_DIRECTORY)
      .catch(() => undefined);
    if (!dh) return;
    try {
      await dh.sync();
    } catch {
      // Some file systems refuse fsync on a directory; the rename is still atomic there.
    } finally {
      await dh.close();
    }
  },
};

/** True when a process of that id exists on this machine (also when it is another user's). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** This machine's /proc and signal 0, as the store's {@link ProcessEffects}. */
export const localProcesses: ProcessEffects = {
  list: () =>
    now(() => {
      let entries: string[];
      try {
        entries = fs.readdirSync("/proc");
      } catch {
        // No /proc (macOS, BSD).
        return undefined;
      }
      const found: HostProcess[] = [];
      for (const entry of entries) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          found.push({
            pid: Number(entry),
            cmdline: fs.readFileSync(`/proc/${entry}/cmdline`, "utf8"),
          });
        } catch {
          // Exited meanwhile, or hidden from us.
        }
      }
      return found;
    }),
  cwd: (pid) =>
    now(() => {
      try {
        return fs.readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        return undefined;
      }
    }),
  cmdline: (pid) =>
    now(() => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      } catch {
        return undefined;
      }
    }),
  isAlive: (pid) => Promise.resolve(alive(pid)),
  get self() {
    return process.pid;
  },
};

/** Runs a program on this machine in its own process group, ended with it at the bound. */
export const localRun: HostRunner = (command, args, { timeoutMs, env }) =>
  runBounded(command, args, timeoutMs, env ? { ...process.env, ...env } : process.env);

/** This machine, as the store's {@link Host}. */
export const localHost: Host = {
  id: "local",
  label: "",
  ...localFiles,
  processes: localProcesses,
  run: localRun,
};
