import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "fs";
import * as os from "os";
import * as path from "path";

/** A temp GlassFish domain: `<dir>/config/domain.xml` holding `content`. Removed by `cleanup`. */
export function tempDomain(content: string): {
  dir: string;
  file: string;
  read: () => string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(path.join(os.tmpdir(), "gf-ims-"));
  const file = path.join(dir, "config", "domain.xml");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return {
    dir,
    file,
    read: () => readFileSync(file, "utf8"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error("expected a rejection");
}

/**
 * A stand-in for the running DAS of the domain in `dir`: a live process whose command line
 * carries `-Dcom.sun.aas.instanceRoot=<dir>` as the GlassFish JVM's does (a pid in `config/pid`
 * counts only for such a process). Resolves once it runs; end it with `kill()`.
 */
export async function dasStandIn(dir: string): Promise<import("child_process").ChildProcess> {
  const child = require("child_process").spawn(process.execPath, [
    "-e",
    "setInterval(() => {}, 1000); console.log('up')",
    "--",
    `-Dcom.sun.aas.instanceRoot=${dir}`,
  ]) as import("child_process").ChildProcess;
  await new Promise((resolve) => child.stdout!.once("data", resolve));
  return child;
}

/**
 * DAS stand-ins ({@link dasStandIn}) that a test file starts and ends together: `start(dir)` as
 * dasStandIn does, `killAll()` (afterEach) ends every one still running.
 */
export function dasStandIns(): {
  start: (dir: string) => Promise<import("child_process").ChildProcess>;
  killAll: () => void;
} {
  const children: import("child_process").ChildProcess[] = [];
  return {
    start: async (dir) => {
      const child = await dasStandIn(dir);
      children.push(child);
      return child;
    },
    killAll: () => children.splice(0).forEach((c) => c.kill("SIGKILL")),
  };
}
