import { execFileSync, spawn, spawnSync } from "child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import { startLibvirtdWithOwnRun } from "./lab";

/** Why a real libvirtd cannot run here, or undefined when it can. */
export function libvirtdUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "a system libvirtd needs root";
  if (!existsSync("/usr/sbin/libvirtd")) return "libvirtd (libvirt-daemon) is not installed";
  if (!existsSync("/etc/libvirt/qemu.conf"))
    return "/etc/libvirt/qemu.conf is missing (scripts/install-system-deps.sh writes it)";
  return undefined;
}

/**
 * A real libvirtd (and virtlogd) with its own configuration, /run and pid files, in a temp
 * directory; reached as `qemu:///system?socket=<dir>/libvirt/libvirt-sock`. `stop` ends both.
 */
export class TestLibvirtd {
  private constructor(
    readonly dir: string,
    private readonly pids: string[],
  ) {}

  /** The URI of this daemon's system connection. */
  get uri(): string {
    return `qemu:///system?socket=${this.dir}/libvirt/libvirt-sock`;
  }

  /** Starts the daemons and waits for the socket. */
  static async start(): Promise<TestLibvirtd> {
    const dir = mkdtempSync(path.join(os.tmpdir(), "gf-ims-libvirtd-"));
    const d = new TestLibvirtd(dir, [
      path.join(dir, "virtlogd.pid"),
      path.join(dir, "libvirtd.pid"),
    ]);
    const socket = path.join(dir, "libvirt", "libvirt-sock");
    try {
      spawn("virtlogd", ["-p", path.join(dir, "virtlogd.pid")], {
        detached: true,
        stdio: "ignore",
      }).unref();
      startLibvirtdWithOwnRun(dir);
      for (let i = 0; i < 100 && !existsSync(socket); i++)
        await new Promise((r) => setTimeout(r, 100));
      if (!existsSync(socket)) throw new Error(`libvirtd did not create ${socket}`);
    } catch (e) {
      d.stop();
      throw e;
    }
    return d;
  }

  /** Runs virsh against this daemon. */
  virsh(...args: string[]): string {
    return execFileSync("virsh", ["-c", this.uri, ...args], { encoding: "utf8" });
  }

  /** Ends both daemons and removes the directory. */
  stop(): void {
    for (const pidFile of this.pids) {
      try {
        const pid = Number(readFileSync(pidFile, "utf8").trim());
        if (pid > 0) process.kill(pid, "SIGTERM");
      } catch {
        // not running
      }
    }
    for (let i = 0; i < 50 && this.pids.some((p) => alive(p)); i++) spawnSync("sleep", ["0.1"]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function alive(pidFile: string): boolean {
  try {
    process.kill(Number(readFileSync(pidFile, "utf8").trim()), 0);
    return true;
  } catch {
    return false;
  }
}
