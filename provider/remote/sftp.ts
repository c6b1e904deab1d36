// The file operations of a remote host, over one SFTP channel: ssh2's callbacks as promises, and
// SFTP's few status codes turned back into the POSIX codes a local file system gives.
import type { SFTPWrapper, Stats } from "ssh2";

/** What `stat` tells about a remote file (SFTP v3 has no inode, link count or sub-second times). */
export interface RemoteStats {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  atime: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/** An open remote file. Valid only on the session that opened it. */
export interface RemoteHandle {
  /** The path it was opened with, for messages. */
  readonly path: string;
}

/** An error of a remote file operation: `code` is a POSIX code (`ENOENT`, `EEXIST`, `EROFS`...). */
export interface RemoteFsError extends Error {
  code: string;
  /** The operation, like `open` or `rename`. */
  syscall: string;
  path: string;
  /** The SFTP status code the server sent, when it sent one. */
  sftpStatus?: number;
}

/** Open modes, as Node's `fs.open` spells them. */
export type OpenFlags = "r" | "r+" | "w" | "wx" | "w+" | "xw+" | "a" | "ax" | "a+" | "ax+";

/**
 * File operations on the remote host. Errors carry a POSIX `code`: ENOENT, EACCES, EEXIST,
 * EROFS (the server's `statvfs` says the file system is read-only), ENOSYS (not supported by
 * the server), EIO (any other failure), ECONNRESET (the session died), ETIMEDOUT.
 */
export interface RemoteFs {
  open(path: string, flags: OpenFlags, mode?: number): Promise<RemoteHandle>;
  /** Reads up to `length` bytes at `position`; 0 at the end of the file. */
  read(
    h: RemoteHandle,
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): Promise<number>;
  /** Writes all of `length` bytes at `position`. */
  write(
    h: RemoteHandle,
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): Promise<void>;
  fstat(h: RemoteHandle): Promise<RemoteStats>;
  close(h: RemoteHandle): Promise<void>;
  /** fsync(2) on the server (the `fsync@openssh.com` extension). */
  fsync(h: RemoteHandle): Promise<void>;
  fchmod(h: RemoteHandle, mode: number): Promise<void>;
  fchown(h: RemoteHandle, uid: number, gid: number): Promise<void>;
  stat(path: string): Promise<RemoteStats>;
  lstat(path: string): Promise<RemoteStats>;
  realpath(path: string): Promise<string>;
  readlink(path: string): Promise<string>;
  /** rename(2): replaces `to` atomically (the `posix-rename@openssh.com` extension). */
  rename(from: string, to: string): Promise<void>;
  /** link(2) (the `hardlink@openssh.com` extension); EEXIST when `to` exists. */
  link(existing: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string, mode?: number): Promise<void>;
  /** rmdir(2): removes an empty directory. */
  rmdir(path: string): Promise<void>;
  /** The names in a directory, without `.` and `..`, sorted. */
  readdir(path: string): Promise<string[]>;
  readFile(path: string): Promise<Buffer>;
}

/** SFTP v3 status codes (draft-ietf-secsh-filexfer-02). */
const STATUS = {
  EOF: 1,
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  BAD_MESSAGE: 5,
  NO_CONNECTION: 6,
  CONNECTION_LOST: 7,
  OP_UNSUPPORTED: 8,
};
const ST_RDONLY = 1;

/** An SFTP channel of a live session. */
export interface SftpChannelRef {
  sftp: SFTPWrapper;
  /** Marks the session busy for one request; returns the release. */
  hold(): () => void;
  /** Ends the session (a request timed out: its state is unknown). */
  kill(): void;
  /** Settles when the session ends: its channel then answers nothing more. */
  ended: Promise<void>;
}

/** How the facade reaches its session. */
export interface SftpChannel {
  /** The channel of the live session (dialing again once when the session died). */
  get(): Promise<SftpChannelRef>;
  /** Each request's time bound. */
  timeoutMs: number;
}

class Handle implements RemoteHandle {
  constructor(
    readonly path: string,
    readonly raw: Buffer,
    readonly ref: SftpChannelRef,
  ) {}
}

function fsError(
  syscall: string,
  path: string,
  code: string,
  detail: string,
  status?: number,
): RemoteFsError {
  const e = new Error(`${code}: ${syscall} ${JSON.stringify(path)}: ${detail}`) as RemoteFsError;
  e.code = code;
  e.syscall = syscall;
  e.path = path;
  if (status !== undefined) e.sftpStatus = status;
  return e;
}

function toStats(s: Stats): RemoteStats {
  return {
    mode: s.mode,
    uid: s.uid,
    gid: s.gid,
    size: s.size,
    mtime: s.mtime,
    atime: s.atime,
    isFile: () => (s.mode & 0o170000) === 0o100000,
    isDirectory: () => (s.mode & 0o170000) === 0o040000,
    isSymbolicLink: () => (s.mode & 0o170000) === 0o120000,
  };
}

function parentOf(p: string): string {
  const i = p.replace(/\/+$/, "").lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}

function call<T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    try {
      fn((err, v) => (err ? reject(err) : resolve(v as T)));
    } catch (e) {
      reject(e);
    }
  });
}

/**
 * The POSIX code for an SFTP failure. SFTP v3 says only "failure" for EEXIST and EROFS, so a
 * failure is EEXIST when the call creates `created` and that path exists, and EROFS when the
 * server's statvfs says the file system of `path` is read-only.
 */
async function posixCode(
  sftp: SFTPWrapper,
  status: number | undefined,
  path: string,
  created: string | undefined,
): Promise<string> {
  switch (status) {
    case STATUS.NO_SUCH_FILE:
      return "ENOENT";
    case STATUS.PERMISSION_DENIED:
      return "EACCES";
    case STATUS.OP_UNSUPPORTED:
      return "ENOSYS";
    case STATUS.BAD_MESSAGE:
      return "EINVAL";
    case STATUS.FAILURE:
      break;
    case undefined:
    case STATUS.NO_CONNECTION:
    case STATUS.CONNECTION_LOST:
      return "ECONNRESET";
    default:
      return "EIO";
  }
  if (created !== undefined) {
    const exists = await call<Stats>((cb) => sftp.lstat(created, cb)).then(
      () => true,
      () => false,
    );
    if (exists) return "EEXIST";
  }
  // ssh2 names the field f_flag; it is a number or a bigint depending on its options.
  const vfs = await call<{ f_flag: number | bigint }>((cb) =>
    sftp.ext_openssh_statvfs(parentOf(path), cb as never),
  ).catch(() => undefined);
  return vfs && (Number(vfs.f_flag) & ST_RDONLY) !== 0 ? "EROFS" : "EIO";
}

/** A {@link RemoteFs} over the session's SFTP channel. */
export function remoteFs(channel: SftpChannel): RemoteFs {
  type Opts = { created?: string; ref?: SftpChannelRef };
  type Request<T> = (sftp: SFTPWrapper, cb: (err: Error | null | undefined, v?: T) => void) => void;
  /**
   * One request. A create that failed while its path existed may find the path gone when the
   * failure is looked into (another process's lock file, removed in between): that failure is
   * asked again, a few times, rather than reported as EIO. A real EIO stays EIO every time.
   */
  async function run<T>(syscall: string, path: string, fn: Request<T>, opts: Opts = {}) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(syscall, path, fn, opts);
      } catch (e) {
        const failed = e as RemoteFsError;
        const vanished = failed.code === "EIO" && failed.sftpStatus === STATUS.FAILURE;
        if (opts.created === undefined || !vanished || attempt >= 5) throw e;
      }
    }
  }
  async function once<T>(syscall: string, path: string, fn: Request<T>, opts: Opts): Promise<T> {
    const ref = opts.ref ?? (await channel.get());
    const release = ref.hold();
    const { sftp } = ref;
    let timer: NodeJS.Timeout | undefined;
    try {
      const request = call<T>((cb) => fn(sftp, cb));
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          ref.kill();
          reject(fsError(syscall, path, "ETIMEDOUT", `no answer within ${channel.timeoutMs} ms`));
        }, channel.timeoutMs);
      });
      const ended = ref.ended.then(() => {
        throw fsError(syscall, path, "ECONNRESET", "the SSH session ended");
      });
      try {
        return await Promise.race([request, timeout, ended]);
      } catch (e) {
        if ((e as RemoteFsError).syscall) throw e;
        const status = (e as { code?: unknown }).code;
        const sftpStatus = typeof status === "number" ? status : undefined;
        const code = await posixCode(sftp, sftpStatus, path, opts.created);
        throw Object.assign(
          fsError(syscall, path, code, `server said "${(e as Error).message}"`, sftpStatus),
          { cause: e },
        );
      }
    } finally {
      if (timer) clearTimeout(timer);
      release();
    }
  }
  const bound = (h: RemoteHandle): Handle => {
    if (!(h instanceof Handle)) throw new TypeError("not a handle of this RemoteFs");
    return h;
  };
  return {
    open: async (path, flags, mode) => {
      const attrs = mode === undefined ? {} : { mode };
      const ref = await channel.get();
      const raw = await run<Buffer>("open", path, (s, cb) => s.open(path, flags, attrs, cb), {
        // Only an exclusive create can fail because the file exists.
        created: flags.includes("x") ? path : undefined,
        ref,
      });
      return new Handle(path, raw, ref);
    },
    read: (h, buffer, offset, length, position) =>
      run<number>(
        "read",
        bound(h).path,
        (s, cb) => s.read(bound(h).raw, buffer, offset, length, position, (err, n) => cb(err, n)),
        { ref: bound(h).ref },
      ),
    write: (h, buffer, offset, length, position) =>
      run<void>(
        "write",
        bound(h).path,
        (s, cb) => s.write(bound(h).raw, buffer, offset, length, position, cb),
        { ref: bound(h).ref },
      ),
    fstat: async (h) =>
      toStats(
        await run<Stats>("fstat", bound(h).path, (s, cb) => s.fstat(bound(h).raw, cb), {
          ref: bound(h).ref,
        }),
      ),
    close: (h) =>
      run<void>("close", bound(h).path, (s, cb) => s.close(bound(h).raw, cb), {
        ref: bound(h).ref,
      }),
    fsync: (h) =>
      run<void>("fsync", bound(h).path, (s, cb) => s.ext_openssh_fsync(bound(h).raw, cb), {
        ref: bound(h).ref,
      }),
    fchmod: (h, mode) =>
      run<void>("fchmod", bound(h).path, (s, cb) => s.fchmod(bound(h).raw, mode, cb), {
        ref: bound(h).ref,
      }),
    fchown: (h, uid, gid) =>
      run<void>("fchown", bound(h).path, (s, cb) => s.fchown(bound(h).raw, uid, gid, cb), {
        ref: bound(h).ref,
      }),
    stat: async (path) => toStats(await run<Stats>("stat", path, (s, cb) => s.stat(path, cb))),
    lstat: async (path) => toStats(await run<Stats>("lstat", path, (s, cb) => s.lstat(path, cb))),
    realpath: (path) => run<string>("realpath", path, (s, cb) => s.realpath(path, cb)),
    readlink: (path) => run<string>("readlink", path, (s, cb) => s.readlink(path, cb)),
    rename: (from, to) => run<void>("rename", to, (s, cb) => s.ext_openssh_rename(from, to, cb)),
    link: (existing, to) =>
      run<void>("link", to, (s, cb) => s.ext_openssh_hardlink(existing, to, cb), { created: to }),
    unlink: (path) => run<void>("unlink", path, (s, cb) => s.unlink(path, cb)),
    mkdir: (path, mode) =>
      run<void>("mkdir", path, (s, cb) => s.mkdir(path, mode === undefined ? {} : { mode }, cb), {
        created: path,
      }),
    rmdir: (path) => run<void>("rmdir", path, (s, cb) => s.rmdir(path, cb)),
    readdir: async (path) => {
      const list = await run<Array<{ filename: string }>>("readdir", path, (s, cb) =>
        s.readdir(path, cb),
      );
      return list
        .map((e) => e.filename)
        .filter((n) => n !== "." && n !== "..")
        .sort();
    },
    readFile: (path) => run<Buffer>("readFile", path, (s, cb) => s.readFile(path, cb)),
  };
}
