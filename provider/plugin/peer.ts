// Who is on the other end of a loopback TCP connection, from the kernel's own tables: the
// plugin serves only the engine that started it (see the README's Security section). Linux only:
// /proc/net/tcp{,6} give the peer socket's owner and inode, /proc/<pid>/fd which process holds it.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** One row of /proc/net/tcp or /proc/net/tcp6: a socket's two ends, owner and inode. */
export interface SocketRow {
  /** The socket's own address (IPv4 dotted; a v4-mapped IPv6 address as IPv4). */
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** The uid that owns the socket. */
  uid: number;
  /** The socket's inode, as `socket:[inode]` in /proc/<pid>/fd. */
  inode: string;
}

/** The four bytes of a 32-bit word printed by the kernel in host byte order, in memory order. */
function wordBytes(hex: string, littleEndian: boolean): number[] {
  const bytes = [0, 2, 4, 6].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return littleEndian ? bytes.reverse() : bytes;
}

/**
 * An address as /proc/net/tcp{,6} prints it (`0100007F`, or 32 hex digits for IPv6), as text:
 * dotted IPv4, a v4-mapped IPv6 address as its IPv4, other IPv6 in full hex groups.
 */
export function decodeAddress(hex: string, littleEndian = os.endianness() === "LE"): string {
  if (hex.length === 8) return wordBytes(hex, littleEndian).join(".");
  const bytes = [0, 8, 16, 24].flatMap((i) => wordBytes(hex.slice(i, i + 8), littleEndian));
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255;
  if (mapped) return bytes.slice(12).join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return groups.join(":");
}

/** The rows of a /proc/net/tcp or /proc/net/tcp6 text (the header line skipped). */
export function parseSocketTable(
  text: string,
  littleEndian = os.endianness() === "LE",
): SocketRow[] {
  const rows: SocketRow[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [localAddress, localPort] = f[1].split(":");
    const [remoteAddress, remotePort] = f[2].split(":");
    rows.push({
      localAddress: decodeAddress(localAddress, littleEndian),
      localPort: Number.parseInt(localPort, 16),
      remoteAddress: decodeAddress(remoteAddress, littleEndian),
      remotePort: Number.parseInt(remotePort, 16),
      uid: Number(f[7]),
      inode: f[9],
    });
  }
  return rows;
}

/** Both ends of an accepted connection, as this side sees them. */
export interface Connection {
  /** The caller's address and port. */
  remoteAddress: string;
  remotePort: number;
  /** This server's address and port. */
  localAddress: string;
  localPort: number;
}

/** Strips the `::ffff:` of a v4-mapped address as Node reports it. */
function plain(address: string): string {
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

/** The caller's socket: the row whose own end is the caller's end of `c`. */
export function callerSocket(rows: readonly SocketRow[], c: Connection): SocketRow | undefined {
  const remote = plain(c.remoteAddress);
  const local = plain(c.localAddress);
  return rows.find(
    (r) =>
      r.localAddress === remote &&
      r.localPort === c.remotePort &&
      r.remoteAddress === local &&
      r.remotePort === c.localPort,
  );
}

/** Where the kernel's tables are read; tests may point it at a copy. */
export interface ProcFs {
  /** The proc mount, `/proc` on Linux. */
  root: string;
}

const PROC: ProcFs = { root: "/proc" };

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return fallback;
  }
}

/** `pid` and its descendants, `pid` first (from each process's parent in /proc/<pid>/stat). */
export function processTree(pid: number, proc: ProcFs = PROC): number[] {
  const children = new Map<number, number[]>();
  for (const e of fs.readdirSync(proc.root)) {
    if (!/^\d+$/.test(e)) continue;
    const stat = readOr(path.join(proc.root, e, "stat"), "");
    // The command name is in parentheses and may hold anything, ")" included: skip past it.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!Number.isInteger(ppid)) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(e));
    children.set(ppid, list);
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree;
}

/** True when process `pid` holds the socket `inode` (one of its file descriptors). */
export function holdsSocket(pid: number, inode: string, proc: ProcFs = PROC): boolean {
  const dir = path.join(proc.root, String(pid), "fd");
  let fds: string[];
  try {
    fds = fs.readdirSync(dir);
  } catch {
    return false;
  }
  const want = `socket:[${inode}]`;
  for (const fd of fds) {
    try {
      if (fs.readlinkSync(path.join(dir, fd)) === want) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

/**
 * Why a caller is refused, or undefined when it is the engine (or a process of its tree).
 * Synchronous: these are reads of kernel tables held in memory (about a millisecond, once per
 * connection, and the engine keeps one connection), cheaper than as many trips to libuv's pool.
 */
export function refusal(c: Connection, engine: number, proc: ProcFs = PROC): string | undefined {
  // The kernel builds each table by walking its whole connection hash (tens of milliseconds on
  // a large machine): tcp6 (callers on a v4-mapped IPv6 socket) only when tcp has no match.
  const table = (name: string) => parseSocketTable(readOr(path.join(proc.root, "net", name), ""));
  const row = callerSocket(table("tcp"), c) ?? callerSocket(table("tcp6"), c);
  if (!row) return "its socket is not in the kernel's TCP tables";
  let engineUid: number;
  try {
    engineUid = fs.statSync(path.join(proc.root, String(engine))).uid;
  } catch {
    return `the engine (pid ${engine}) is gone`;
  }
  if (row.uid !== engineUid) {
    return `its socket belongs to uid ${row.uid}, the engine (pid ${engine}) runs as uid ${engineUid}`;
  }
  // The engine itself is the usual caller: look there before walking its whole tree.
  if (holdsSocket(engine, row.inode, proc)) return undefined;
  for (const pid of processTree(engine, proc).slice(1)) {
    if (holdsSocket(pid, row.inode, proc)) return undefined;
  }
  return `no process of the engine's tree (pid ${engine}) holds its socket`;
}
