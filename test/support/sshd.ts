// A real sshd on a loopback port, for the suites that run the store through its SSH effects:
// the same file system as the test (so the suites' byte-level assertions read the files as they
// do for the local effects), reached only over SSH by the code under test. The DAS host whose
// files exist only on it is test/lab/das-host.ts.
import { execFileSync, spawn, type ChildProcess } from "child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

/** Why the loopback sshd cannot run here, or undefined when it can. */
export function sshdMissing(): string | undefined {
  if (process.getuid?.() !== 0) return "sshd tests need root";
  if (!existsSync("/usr/sbin/sshd")) return "openssh-server is not installed";
  if (!existsSync("/usr/bin/ssh-keygen")) return "ssh-keygen is not installed";
  return undefined;
}

/** A running sshd and the connection that reaches it as root with a pinned host key. */
export interface LoopbackSshd {
  /** The connection fields, as a user would write them. */
  connection: { host: string; port: number; user: string; privateKey: string; hostKey: string };
  /** The sshd's directory (config, keys, log). */
  dir: string;
  /** The listening sshd's process id: each session's sshd processes are its descendants. */
  pid: number;
  /** What sshd logged so far (`-E` log file). */
  log(): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function keygen(file: string): void {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", file], {
    stdio: "ignore",
  });
}

function waitForPort(port: number, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) {
        reject(new Error(`sshd exited: ${readFileSync(logFile, "utf8")}`));
        return;
      }
      const sock = net.connect({ host: "127.0.0.1", port });
      sock.once("data", () => {
        sock.destroy();
        resolve();
      });
      sock.once("error", () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error("sshd did not listen within 20 s"));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** Starts sshd on 127.0.0.1 with its own keys and config; `stop()` ends it and removes all. */
export async function startLoopbackSshd(): Promise<LoopbackSshd> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "gims-sshd-"));
  const hostKey = path.join(dir, "host_ed25519");
  const clientKey = path.join(dir, "client_ed25519");
  keygen(hostKey);
  keygen(clientKey);
  writeFileSync(path.join(dir, "authorized_keys"), readFileSync(`${clientKey}.pub`));
  const port = await freePort();
  const logFile = path.join(dir, "sshd.log");
  const config = path.join(dir, "sshd_config");
  writeFileSync(
    config,
    [
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
      `PidFile ${path.join(dir, "sshd.pid")}`,
      "PermitRootLogin yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "MaxSessions 64",
      "MaxStartups 64",
      "Subsystem sftp internal-sftp",
      "LogLevel VERBOSE",
      "",
    ].join("\n"),
  );
  // sshd wants its privilege-separation directory.
  execFileSync("mkdir", ["-p", "/run/sshd"]);
  const child = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", config, "-E", logFile], {
    stdio: "ignore",
  });
  await waitForPort(port, child, logFile);
  const pub = readFileSync(`${hostKey}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" ");
  return {
    connection: {
      host: "127.0.0.1",
      port,
      user: "root",
      privateKey: readFileSync(clientKey, "utf8"),
      hostKey: pub,
    },
    dir,
    pid: child.pid as number,
    log: () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : ""),
    stop: async () => {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
