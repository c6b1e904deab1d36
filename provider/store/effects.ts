// The effects the store takes as an object (proper-lockfile's `options.fs` is the model): every
// file-system call and process-table look-up of the file shell goes through a `Host`, so the
// same store code edits a domain.xml on this machine (local.ts) or on a DAS reached over SSH.
// Nothing here does I/O itself.

/** What a stat gives the store, on any host. */
export interface FileStat {
  /** A regular file (not a directory, FIFO, device or socket). */
  isFile: boolean;
  /** A directory. */
  isDirectory: boolean;
  /** A symbolic link (only an `lstat` says so). */
  isSymbolicLink: boolean;
  /** The inode, to tell a replaced file from one changed in place. */
  ino: bigint;
  /** Size in bytes. */
  size: number;
  /** Mode bits, file type included (`& 0o777` for the permissions). */
  mode: number;
  /** Owner. */
  uid: number;
  /** Group. */
  gid: number;
  /** Modification and status-change times, in nanoseconds (as precise as the host tells). */
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/**
 * An error of a host's file system or process table: `code` is the POSIX name (`ENOENT`,
 * `EEXIST`, `EACCES`, `EPERM`, `EROFS`, `ELOOP`, ...), as Node's own errors carry it, so the
 * store's handling of a local and a remote failure is one.
 */
export interface HostError extends Error {
  code?: string;
}

/** A file open for reading. */
export interface ReadHandle {
  /** Reads up to `length` bytes at `position` into `buffer` at `offset`; 0 at the end. */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** The stat of this open file. */
  stat(): Promise<FileStat>;
  close(): Promise<void>;
}

/** A file just created for writing (see {@link FileEffects.createExclusive}). */
export interface WriteHandle {
  /** Writes `length` bytes of `buffer` from `offset` at the end of what was written. */
  write(buffer: Buffer, offset: number, length: number): Promise<void>;
  stat(): Promise<FileStat>;
  /** Changes owner and group; fails with `EPERM` where the writer may not. */
  chown(uid: number, gid: number): Promise<void>;
  chmod(mode: number): Promise<void>;
  /** Flushes the file's data to stable storage (fsync). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** A file as an earlier read found it: its real path, inode, size and times. */
export interface SeenFile {
  real: string;
  ino: bigint;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** Whether `real` with stat `st` is still the file `seen` describes. */
export function stillSeen(seen: SeenFile | undefined, real: string, st: FileStat): boolean {
  return (
    seen !== undefined &&
    seen.real === real &&
    seen.ino === st.ino &&
    seen.size === st.size &&
    seen.mtimeNs === st.mtimeNs &&
    seen.ctimeNs === st.ctimeNs
  );
}

/** What a last check before a rename compares: the inode and times an earlier stat gave. */
export interface RenameGuard {
  /** The file whose stat must still be `ino`, `mtimeNs` and `ctimeNs`. */
  path: string;
  ino: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** The file-system operations of the store, on one host. Paths are absolute POSIX paths. */
export interface FileEffects {
  /** The path with every link resolved (`ENOENT` when it does not exist). */
  realpath(p: string): Promise<string>;
  /** Follows links. */
  stat(p: string): Promise<FileStat>;
  /** Does not follow a link at `p` itself. */
  lstat(p: string): Promise<FileStat>;
  /**
   * Opens `p` without blocking (a FIFO in its place must not hang the caller) and, when it is a
   * regular file, reads it whole, into `scratch` when it fits. `bytes` is absent for anything but
   * a regular file. `hostMs`, when the host gives it, is how long the read took on the host
   * itself (a remote host's read without the network's share of the call), which the store
   * takes as the measure of another program's read of the file there.
   */
  readRegular(
    p: string,
    scratch?: Buffer,
  ): Promise<{ st: FileStat; bytes?: Buffer; hostMs?: number }>;
  /**
   * What a read of a file kept in memory needs, as one step: the real path of `p`, the stat of
   * that file and, unless `seen` (an earlier read's real path and stat) still describes it, its
   * bytes as {@link readRegular} gives them (absent too for anything but a regular file). Over
   * SSH this is one round trip, not the three of realpath, stat and read.
   */
  readChanged(p: string, seen?: SeenFile): Promise<{ real: string; st: FileStat; bytes?: Buffer }>;
  /** A whole file's bytes; `nofollow` refuses a link at `p` itself (`ELOOP`). */
  readFile(p: string, options?: { nofollow?: boolean }): Promise<Buffer>;
  /** Opens a file for reading in pieces; `nofollow` as for {@link readFile}. */
  openRead(p: string, options?: { nofollow?: boolean }): Promise<ReadHandle>;
  /**
   * Creates `p` exclusively (`O_CREAT|O_EXCL|O_NOFOLLOW`, `EEXIST` when anything is there, a
   * link included) with permission bits `mode`, open for writing.
   */
  createExclusive(p: string, mode: number): Promise<WriteHandle>;
  /** Creates `p` exclusively with `data` as its whole content (a lock file). */
  writeExclusive(p: string, data: string): Promise<void>;
  /** Renames, replacing `to` (POSIX rename(2)). */
  rename(from: string, to: string): Promise<void>;
  /**
   * The last check and the rename of an atomic write, as close together as the host allows:
   * renames `from` over `to` only if `guard.path` still has the guard's inode and times, and
   * returns false (nothing renamed) when it has not.
   */
  renameIfUnchanged(from: string, to: string, guard: RenameGuard): Promise<boolean>;
  /** A hard link `to` the inode of `from` (`EPERM`, `EXDEV`, `ENOTSUP` where there are none). */
  link(from: string, to: string): Promise<void>;
  unlink(p: string): Promise<void>;
  /** Creates one directory level (`EEXIST` when something is there). */
  mkdir(p: string, mode: number): Promise<void>;
  /** Removes an empty directory (fails, `ENOTEMPTY` or another code, when it holds anything). */
  rmdir(p: string): Promise<void>;
  /** Sets the times of `p` itself, never of what a link there points to. */
  lutimes(p: string, time: Date): Promise<void>;
  /** Flushes a directory's entries (after a rename); a file system that refuses it is fine. */
  syncDir(dir: string): Promise<void>;
}

/** A process of the host, as its process table shows it. */
export interface HostProcess {
  pid: number;
  /** Its arguments, separated by NUL (`/proc/<pid>/cmdline`). */
  cmdline: string;
}

/** The process table of one host, for DAS detection. */
export interface ProcessEffects {
  /**
   * The processes of the host that can be seen (a host may leave out those whose command line
   * names no domain directory: they cannot be the DAS), or undefined where there is no `/proc`.
   */
  list(): Promise<HostProcess[] | undefined>;
  /** A process's working directory, or undefined when it cannot be read. */
  cwd(pid: number): Promise<string | undefined>;
  /**
   * One process's command line (arguments separated by NUL), also when `list` left it out, or
   * undefined when it cannot be read (no such process, no `/proc`, hidden from this user).
   */
  cmdline(pid: number): Promise<string | undefined>;
  /** True when a process of that id exists (also when it belongs to another user). */
  isAlive(pid: number): Promise<boolean>;
  /** The id of the process doing the edit on that host, never reported as the DAS. */
  self?: number;
}

/** What a command run on a host did. */
export interface HostRun {
  /** Exit status (127 when it could not be started, 1 when it was ended). */
  code: number;
  stdout: string;
  stderr: string;
  /** True when it was ended at its time bound. */
  timedOut: boolean;
}

/** Runs a program on a host: an argument array, never a shell string built from input. */
export type HostRunner = (
  command: string,
  args: readonly string[],
  options: { timeoutMs: number; env?: Record<string, string> },
) => Promise<HostRun>;

/** One host the store edits files on: this machine, or a DAS host over SSH. */
export interface Host extends FileEffects {
  /**
   * Names the host in the store's caches and queues: `local`, or the connection's label. Two
   * hosts with one id are the same machine.
   */
  readonly id: string;
  /** How the host is named in messages (`""` for this machine; `root@das:22` for a remote one). */
  readonly label: string;
  /** Its process table. */
  readonly processes: ProcessEffects;
  /**
   * Runs a program there, with a hard time bound (`asadmin`, `virsh`, `ip`: whatever must act
   * from the DAS host itself). `env` adds to the host's environment.
   */
  readonly run: HostRunner;
}

/** `file` as messages show it: `root@das:22:/path` on a remote host, the path on this one. */
export function shownPath(host: Host, file: string): string {
  return host.label ? `${host.label}:${file}` : file;
}

/** The POSIX `code` of an error a host threw ("" when it has none). */
export function errnoOf(e: unknown): string {
  return (e as HostError | undefined)?.code ?? "";
}
