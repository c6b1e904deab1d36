// The store's effects on a DAS host reached over SSH: the same operations as local.ts, as SFTP
// requests and short POSIX shell scripts over the host's one shared session (provider/remote/).
//
// SFTP (version 3) has no inode and no sub-second times, which the store's checks compare; stats
// are therefore taken by the host's own `stat` (GNU coreutils), and so are the two steps that
// must sit together on the host: the last check before a rename and the rename itself. Scripts
// run with LC_ALL=C, so a failure's text can be mapped back to its POSIX code.
import type { DasConnection } from "../remote/connection";
import { connectionLabel } from "../remote/connection";
import {
  remoteHost,
  type ExecResult,
  type RemoteFs,
  type RemoteHandle,
  type RemoteHost,
  type RemoteStats,
} from "../remote/session";
import type {
  FileStat,
  Host,
  HostError,
  HostProcess,
  ProcessEffects,
  ReadHandle,
  RenameGuard,
  WriteHandle,
} from "./effects";
import { stillSeen } from "./effects";

/** `stat`'s format: inode, size, raw mode (hex), uid, gid, mtime and ctime with nanoseconds. */
const STAT_FORMAT = "%i %s %f %u %g %.9Y %.9Z";

/** POSIX codes by the text GNU tools print for them (LC_ALL=C). */
const MESSAGES: ReadonlyArray<[RegExp, string]> = [
  [/No such file or directory/, "ENOENT"],
  [/Permission denied/, "EACCES"],
  [/Operation not permitted/, "EPERM"],
  [/Read-only file system/, "EROFS"],
  [/Not a directory/, "ENOTDIR"],
  [/Too many levels of symbolic links/, "ELOOP"],
  [/No space left on device/, "ENOSPC"],
  [/File exists/, "EEXIST"],
];

function hostError(what: string, r: ExecResult): HostError {
  const text = r.stderr.toString("utf8").trim();
  const code = MESSAGES.find(([re]) => re.test(text))?.[1] ?? "EIO";
  return Object.assign(new Error(`${what}: ${text || `exit ${r.code ?? r.signal}`}`), { code });
}

/** Nanoseconds from `stat`'s `seconds.nanoseconds`. */
function nanos(text: string): bigint {
  const [s, frac = ""] = text.split(".");
  return BigInt(s) * 1_000_000_000n + BigInt(frac.padEnd(9, "0").slice(0, 9));
}

/** `stat`'s `seconds.nanoseconds` from nanoseconds (the inverse of {@link nanos}). */
function statTime(ns: bigint): string {
  const s = ns / 1_000_000_000n;
  return `${s}.${(ns % 1_000_000_000n).toString().padStart(9, "0")}`;
}

function parseStat(line: string): FileStat {
  const [ino, size, mode, uid, gid, mtime, ctime] = line.trim().split(" ");
  const m = parseInt(mode, 16);
  const type = m & 0o170000;
  return {
    isFile: type === 0o100000,
    isDirectory: type === 0o040000,
    isSymbolicLink: type === 0o120000,
    ino: BigInt(ino),
    size: Number(size),
    mode: m,
    uid: Number(uid),
    gid: Number(gid),
    mtimeNs: nanos(mtime),
    ctimeNs: nanos(ctime),
  };
}

/** What SFTP tells of a file: no inode (0) and whole seconds; enough for type, size and owner. */
function fromSftp(s: RemoteStats): FileStat {
  const t = BigInt(s.mtime) * 1_000_000_000n;
  return {
    isFile: s.isFile(),
    isDirectory: s.isDirectory(),
    isSymbolicLink: s.isSymbolicLink(),
    ino: 0n,
    size: s.size,
    mode: s.mode,
    uid: s.uid,
    gid: s.gid,
    mtimeNs: t,
    ctimeNs: t,
  };
}

const SCRIPTS = {
  stat: `LC_ALL=C exec stat $2 -c '${STAT_FORMAT}' -- "$1"`,
  // The stat line, then (for a regular file only: a FIFO would block cat) the bytes; on success,
  // standard error holds the host's uptime before and after (read by the shell itself: a
  // `date` would cost two more processes per read), empty where there is no /proc/uptime.
  readRegular: `export LC_ALL=C; { read t _ < /proc/uptime; } 2>/dev/null; stat -L -c '${STAT_FORMAT}' -- "$1" || exit 1; if [ -f "$1" ]; then cat -- "$1" || exit 1; fi; { read u _ < /proc/uptime; } 2>/dev/null; printf '%s %s' "$t" "$u" >&2`,
  // The real path, a NUL, the stat line; then (unless $2 is that path and stat: the caller's
  // copy is current) the bytes, as readRegular gives them.
  readChanged: `export LC_ALL=C; seen=$2; r=$(realpath -e -- "$1") || exit 1; st=$(stat -L -c '${STAT_FORMAT}' -- "$r") || exit 1; printf '%s\\000%s\\n' "$r" "$st"; set -- $st; [ "$r $1 $2 $6 $7" = "$seen" ] && exit 0; if [ -f "$r" ]; then exec cat -- "$r"; fi; exit 0`,
  readNoFollow: `export LC_ALL=C; if [ -L "$1" ]; then echo "$1: Too many levels of symbolic links" >&2; exit 1; fi; exec cat -- "$1"`,
  // Exit 3 when the guarded file changed: nothing renamed. mv -T never moves into a directory.
  renameIfUnchanged: `export LC_ALL=C; now=$(stat -c '%i %.9Y %.9Z' -- "$3") || exit 1; [ "$now" = "$4" ] || exit 3; exec mv -fT -- "$1" "$2"`,
  touch: `LC_ALL=C exec touch -h -c -- "$1"`,
  syncDir: `sync -- "$1" 2>/dev/null; exit 0`,
  // One line per process whose command line may name a domain directory (grep picks them in one
  // pass: the others cannot be the DAS), its pid, a space, its command line with NUL and newline
  // made \\1 and \\2.
  processes: `cd /proc 2>/dev/null || exit 3; for f in $(grep -l -a -s -e '-Dcom.sun.aas.instanceRoot=' -e '-domaindir' -- [0-9]*/cmdline); do c=$(tr '\\000\\n' '\\001\\002' < "$f" 2>/dev/null) || continue; printf '%s %s\\n' "\${f%/cmdline}" "$c"; done; exit 0`,
  alive: `kill -0 "$1" 2>/dev/null || [ -d "/proc/$1" ]`,
  // Exit 3 when it cannot be read; NUL and newline made \\1 and \\2 as above.
  cmdline: `c=$(tr '\\000\\n' '\\001\\002' < "/proc/$1/cmdline" 2>/dev/null) || exit 3; printf '%s' "$c"`,
} as const;

/**
 * Milliseconds between two readings of /proc/uptime (`"<start> <end>"`, seconds with two
 * decimals: 10 ms steps), or undefined when the host gave none (the caller then times the call).
 */
function elapsedMs(stamps: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(stamps.trim());
  if (!m) return undefined;
  const ms = Math.round((Number(m[2]) - Number(m[1])) * 1000);
  return ms >= 0 ? ms : undefined;
}

/** Runs a script; a non-zero exit is the error its text names. */
async function run(r: RemoteHost, what: string, sh: string, args: string[]): Promise<Buffer> {
  const res = await r.script(sh, args);
  if (res.code !== 0) throw hostError(what, res);
  return res.stdout;
}

function readHandle(fs: RemoteFs, h: RemoteHandle): ReadHandle {
  return {
    read: (buffer, offset, length, position) => fs.read(h, buffer, offset, length, position),
    stat: async () => fromSftp(await fs.fstat(h)),
    close: () => fs.close(h),
  };
}

function writeHandle(r: RemoteHost, fs: RemoteFs, h: RemoteHandle, p: string): WriteHandle {
  let position = 0;
  return {
    write: async (buffer, offset, length) => {
      await fs.write(h, buffer, offset, length, position);
      position += length;
    },
    // The file's own stat, for the inode and times the store compares after the rename.
    stat: async () => parseStat((await run(r, `stat ${p}`, SCRIPTS.stat, [p, "-L"])).toString()),
    chown: (uid, gid) => fs.fchown(h, uid, gid),
    chmod: (mode) => fs.fchmod(h, mode),
    sync: () => fs.fsync(h),
    close: () => fs.close(h),
  };
}

/**
 * The {@link Host} of a DAS reached over `connection`: every call goes over the one session the
 * process keeps for that host (opened on first use). Its id is the connection's label, so every
 * resource of one DAS host shares one queue per file, whatever credentials each was given.
 */
export function sshHost(connection: DasConnection): Host {
  const label = connectionLabel(connection);
  const session = () => remoteHost(connection);
  const files = async () => (await session()).sftp();
  const script = async (what: string, sh: string, args: string[]) =>
    run(await session(), what, sh, args);
  const stat = async (p: string, follow: boolean) =>
    parseStat((await script(`stat ${p}`, SCRIPTS.stat, [p, follow ? "-L" : ""])).toString());
  const processes: ProcessEffects = {
    list: async () => {
      const r = await session();
      const res = await r.script(SCRIPTS.processes, []);
      if (res.code === 3) return undefined;
      if (res.code !== 0) throw hostError("list processes", res);
      const found: HostProcess[] = [];
      for (const line of res.stdout.toString("utf8").split("\n")) {
        const at = line.indexOf(" ");
        if (at <= 0) continue;
        const cmdline = line
          .slice(at + 1)
          .replace(/\x01/g, "\0")
          .replace(/\x02/g, "\n");
        found.push({ pid: Number(line.slice(0, at)), cmdline });
      }
      return found;
    },
    cwd: async (pid) => (await files()).readlink(`/proc/${pid}/cwd`).catch(() => undefined),
    cmdline: async (pid) => {
      const res = await (await session()).script(SCRIPTS.cmdline, [String(pid)]);
      if (res.code !== 0) return undefined;
      return res.stdout.toString("utf8").replace(/\x01/g, "\0").replace(/\x02/g, "\n");
    },
    isAlive: async (pid) =>
      (await (await session()).script(SCRIPTS.alive, [String(pid)])).code === 0,
  };
  return {
    id: `ssh:${label}`,
    label,
    processes,
    run: async (command, args, { timeoutMs, env }) => {
      const r = await session();
      // `env` as assignments before the command, through env(1): no shell string from input.
      const pairs = Object.entries(env ?? {}).map(([k, v]) => `${k}=${v}`);
      const argv = pairs.length ? ["env", ...pairs, command, ...args] : [command, ...args];
      try {
        const res = await r.exec(argv, { timeoutMs });
        return {
          code: res.code ?? 1,
          stdout: res.stdout.toString("utf8"),
          stderr: res.stderr.toString("utf8"),
          timedOut: false,
        };
      } catch (e) {
        if ((e as { timedOut?: boolean }).timedOut !== true) throw e;
        return { code: 1, stdout: "", stderr: (e as Error).message, timedOut: true };
      }
    },
    realpath: async (p) => (await files()).realpath(p),
    stat: (p) => stat(p, true),
    lstat: (p) => stat(p, false),
    readRegular: async (p) => {
      const res = await (await session()).script(SCRIPTS.readRegular, [p]);
      if (res.code !== 0) throw hostError(`read ${p}`, res);
      const out = res.stdout;
      const nl = out.indexOf(10);
      const st = parseStat(out.subarray(0, nl).toString());
      const hostMs = elapsedMs(res.stderr.toString());
      return {
        st,
        bytes: st.isFile ? out.subarray(nl + 1) : undefined,
        ...(hostMs === undefined ? {} : { hostMs }),
      };
    },
    readChanged: async (p, seen) => {
      const known = seen
        ? `${seen.real} ${seen.ino} ${seen.size} ${statTime(seen.mtimeNs)} ${statTime(seen.ctimeNs)}`
        : "";
      const out = await script(`read ${p}`, SCRIPTS.readChanged, [p, known]);
      const nul = out.indexOf(0);
      const nl = out.indexOf(10, nul);
      const real = out.subarray(0, nul).toString("utf8");
      const st = parseStat(out.subarray(nul + 1, nl).toString());
      const unchanged = stillSeen(seen, real, st);
      return { real, st, ...(st.isFile && !unchanged ? { bytes: out.subarray(nl + 1) } : {}) };
    },
    readFile: async (p, options) =>
      options?.nofollow
        ? script(`read ${p}`, SCRIPTS.readNoFollow, [p])
        : (await files()).readFile(p),
    openRead: async (p, options) => {
      const fs = await files();
      // SFTP opens through links: refuse one at `p` itself first, as O_NOFOLLOW does locally.
      if (options?.nofollow && (await fs.lstat(p)).isSymbolicLink()) {
        throw Object.assign(new Error(`open ${p}: Too many levels of symbolic links`), {
          code: "ELOOP",
        });
      }
      return readHandle(fs, await fs.open(p, "r"));
    },
    createExclusive: async (p, mode) => {
      const r = await session();
      const fs = await r.sftp();
      return writeHandle(r, fs, await fs.open(p, "wx", mode), p);
    },
    writeExclusive: async (p, data) => {
      const fs = await files();
      const h = await fs.open(p, "wx", 0o644);
      try {
        const bytes = Buffer.from(data, "utf8");
        await fs.write(h, bytes, 0, bytes.length, 0);
      } finally {
        await fs.close(h);
      }
    },
    rename: async (from, to) => (await files()).rename(from, to),
    renameIfUnchanged: async (from, to, guard: RenameGuard) => {
      const r = await session();
      const expected = `${guard.ino} ${statTime(guard.mtimeNs)} ${statTime(guard.ctimeNs)}`;
      const res = await r.script(SCRIPTS.renameIfUnchanged, [from, to, guard.path, expected]);
      if (res.code === 3) return false;
      if (res.code !== 0) throw hostError(`rename ${from} to ${to}`, res);
      return true;
    },
    link: async (from, to) => (await files()).link(from, to),
    unlink: async (p) => (await files()).unlink(p),
    mkdir: async (p, mode) => (await files()).mkdir(p, mode),
    rmdir: async (p) => (await files()).rmdir(p),
    lutimes: async (p) => void (await script(`touch ${p}`, SCRIPTS.touch, [p])),
    syncDir: async (dir) => void (await script(`sync ${dir}`, SCRIPTS.syncDir, [dir])),
  };
}
