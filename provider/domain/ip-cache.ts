import { promises as fs } from "fs";
import * as path from "path";
import { withFileLock } from "./lock";
import { domainPath } from "./store";

/**
 * The pool's IP cache that the DAS reads at start: `<domain dir>/virt/cache/<pool>.cache`, one
 * `machine=ip` line per discovered machine (the domain dir holds `config/domain.xml`).
 */
export function ipCachePath(domainXml: string, pool: string): string {
  return path.join(
    path.dirname(path.dirname(domainPath(domainXml))),
    "virt",
    "cache",
    `${pool}.cache`,
  );
}

/** Sets (ip) or removes (undefined) one machine's line, under a lock, written atomically. */
export async function setCachedIp(
  domainXml: string,
  pool: string,
  machine: string,
  ip: string | undefined,
): Promise<void> {
  const file = ipCachePath(domainXml, pool);
  if (ip === undefined && !(await fs.stat(file).catch(() => undefined))) return;
  await fs.mkdir(path.dirname(file), { recursive: true });
  await withFileLock(file, async () => {
    const text = await fs.readFile(file, "utf8").catch(() => "");
    const lines = text.split("\n").filter((l) => l !== "" && !l.startsWith(`${machine}=`));
    if (ip !== undefined) lines.push(`${machine}=${ip}`);
    const out = lines.length ? `${lines.join("\n")}\n` : "";
    if (out === text) return;
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, out);
    await fs.rename(tmp, file);
  });
}
