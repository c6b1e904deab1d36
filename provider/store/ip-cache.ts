import * as path from "path";
import { ImsError } from "../errors";
import { writeFileAtomic } from "./atomic";
import { errnoOf, type Host } from "./effects";
import { localHost } from "./local";
import { withFileLock } from "./lock";
import { domainPath } from "./store";

/** A GlassFish element name (the rule `check` applies): no `/`, no `..`, no line break. */
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/;

/**
 * The pool's IP cache that the DAS reads at start: `<domain dir>/virt/cache/<pool>.cache`, one
 * `machine=ip` line per discovered machine (the domain dir holds `config/domain.xml`). The pool
 * name may come from the file (a refresh reads it there), so a name that would leave the cache
 * directory (`../x`) is refused with `UNSAFE_PATH`.
 */
export function ipCachePath(domainXml: string, pool: string): string {
  const dir = path.join(path.dirname(path.dirname(domainPath(domainXml))), "virt", "cache");
  if (!SAFE_NAME.test(pool) || pool.includes("..")) {
    throw new ImsError(
      "UNSAFE_PATH",
      `server pool name ${JSON.stringify(pool)} cannot name a file in ${dir}: rename the pool in domain.xml to letters, digits, "_", "-" and "."`,
    );
  }
  return path.join(dir, `${pool}.cache`);
}

function unsafe(p: string): ImsError {
  return new ImsError(
    "UNSAFE_PATH",
    `${p} is a symbolic link; the IP cache is written only to a real directory and file inside the domain directory (a link there could point the write at any file). Replace the link by a directory or file`,
  );
}

/** Creates `dir` (one level) unless it exists; refuses a symlink in its place. */
async function realDir(host: Host, dir: string): Promise<void> {
  const st = await host.lstat(dir).catch(() => undefined);
  if (st?.isSymbolicLink) throw unsafe(dir);
  if (!st)
    await host.mkdir(dir, 0o755).catch((e: unknown) => {
      if (errnoOf(e) !== "EEXIST") throw e;
    });
  if ((await host.lstat(dir)).isSymbolicLink) throw unsafe(dir);
}

/** The cache's text, read without following a symlink; "" when it does not exist. */
async function readCache(host: Host, file: string): Promise<string> {
  try {
    return (await host.readFile(file, { nofollow: true })).toString("utf8");
  } catch (e) {
    const code = errnoOf(e);
    if (code === "ENOENT") return "";
    if (code === "ELOOP") throw unsafe(file);
    throw e;
  }
}

/** The address a cache text gives `machine`, if it has a line for it. */
function lineOf(text: string, machine: string): string | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${machine}=`));
  return line?.slice(machine.length + 1);
}

/**
 * Sets (ip) or removes (undefined) one machine's line, under a lock, written with the atomic
 * writer. Root runs this on a DAS where others may write the domain directory, so `virt`,
 * `virt/cache` and the cache file must not be symlinks (`UNSAFE_PATH`), and every file is
 * created exclusively under an unpredictable name. A new cache is 0644 owned by the writer; an
 * existing one keeps its mode, owner and group.
 */
export async function setCachedIp(
  domainXml: string,
  pool: string,
  machine: string,
  ip: string | undefined,
  host: Host = localHost,
): Promise<void> {
  const file = ipCachePath(domainXml, pool);
  if (!SAFE_NAME.test(machine)) {
    throw new ImsError(
      "UNSAFE_PATH",
      `machine name ${JSON.stringify(machine)} cannot be a line of ${file}: rename it in domain.xml to letters, digits, "_", "-" and "."`,
    );
  }
  const cacheDir = path.dirname(file);
  const st = await host.lstat(file).catch(() => undefined);
  if (st?.isSymbolicLink) throw unsafe(file);
  if (ip === undefined && !st) return;
  // A line that is already right costs one read: no lock file, no write (refresh looks again for
  // every MAC machine, and writes only where an address moved).
  if (st && lineOf(await readCache(host, file), machine) === ip) return;
  await realDir(host, path.dirname(cacheDir));
  await realDir(host, cacheDir);
  await withFileLock(host, file, async () => {
    const text = await readCache(host, file);
    const lines = text.split("\n").filter((l) => l !== "" && !l.startsWith(`${machine}=`));
    if (ip !== undefined) lines.push(`${machine}=${ip}`);
    const out = lines.length ? `${lines.join("\n")}\n` : "";
    if (out === text) return;
    const now = await host.lstat(file).catch(() => undefined);
    if (now?.isSymbolicLink) throw unsafe(file);
    const owner = now ?? {
      mode: 0o644,
      uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0,
    };
    await writeFileAtomic(host, file, [Buffer.from(out, "utf8")], {
      mode: owner.mode,
      uid: owner.uid,
      gid: owner.gid,
    });
  });
}
