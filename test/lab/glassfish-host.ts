import { execFileSync, spawn, spawnSync, type ChildProcess } from "child_process";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { processesOf, type AsadminResult } from "./glassfish";
import { labName, sweepAbandonedLabs } from "./lab";

// A real GlassFish DAS on a DAS host of its own, for the DAS lifecycle over SSH (issue 19 item 6):
//
//   network namespace gfims-<pid>-gfh<n>: loopback only (GlassFish binds 0.0.0.0)
//     mount namespace of the DAS host: its own /run and /srv; the domain lives at
//       /srv/gfims-<pid>/domains/domain1 and exists nowhere else
//       sshd on 127.0.0.1:2222 (own host key, authorized key, pid file)
//       the GlassFish JVM (started through the sshd's namespaces)
//     the pulumi CLI (`inNamespace`): the machine's mount namespace, where that path does not
//       exist, so the domain is reachable only over SSH to 127.0.0.1:2222
//
// Nothing leaves the namespace: it has no interface but lo.

/** The DAS host's sshd port, on 127.0.0.1 of the namespace. */
export const SSH_PORT = 2222;

let counter = 0;
const live = new Set<GlassFishHost>();
let exitHook = false;

function sh(argv: readonly string[]): string {
  const [cmd, ...args] = argv;
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** A GlassFish domain on a DAS host reached over SSH from a loopback-only namespace. */
export class GlassFishHost {
  /** The network namespace (the CLI runs in it too). */
  readonly ns: string;
  /** The domain directory, on the DAS host only. */
  readonly domainDir: string;
  /** Its `config/domain.xml`, on the DAS host only. */
  readonly file: string;
  /** A directory of the DAS host for the test's scripts and their log. */
  readonly labDir: string;
  /** The connection fields, as a user would write them. */
  connection!: { host: string; port: number; user: string; privateKey: string; hostKey: string };
  private readonly dir: string;
  private sshd?: ChildProcess;

  private constructor(readonly home: string) {
    this.ns = labName("gfh");
    const root = `/srv/${this.ns}`;
    this.domainDir = `${root}/domains/domain1`;
    this.file = `${this.domainDir}/config/domain.xml`;
    this.labDir = `${root}/lab`;
    this.dir = mkdtempSync(path.join(os.tmpdir(), `${this.ns}-`));
  }

  /** Builds the namespace, the DAS host's mounts with a copy of `domain1`, and its sshd. */
  static async create(home: string): Promise<GlassFishHost> {
    sweepAbandonedLabs();
    const h = new GlassFishHost(home);
    live.add(h);
    if (!exitHook) {
      exitHook = true;
      process.on("exit", () => live.forEach((l) => l.destroy()));
    }
    try {
      await h.build();
    } catch (e) {
      h.destroy();
      throw e;
    }
    return h;
  }

  private f(name: string): string {
    return path.join(this.dir, name);
  }

  private async build(): Promise<void> {
    sh(["ip", "netns", "add", this.ns]);
    sh(["ip", "-n", this.ns, "link", "set", "lo", "up"]);
    for (const k of ["host_key", "client_key"])
      sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", this.f(k)]);
    writeFileSync(this.f("authorized_keys"), readFileSync(this.f("client_key.pub")));
    writeFileSync(
      this.f("sshd_config"),
      [
        `ListenAddress 127.0.0.1:${SSH_PORT}`,
        `HostKey ${this.f("host_key")}`,
        `AuthorizedKeysFile ${this.f("authorized_keys")}`,
        `PidFile ${this.f("sshd.pid")}`,
        "PermitRootLogin yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "Subsystem sftp internal-sftp",
        "LogLevel VERBOSE",
        "",
      ].join("\n"),
    );
    // /run and /srv are tmpfs of the DAS host's own: the machine's mount namespace (the CLI's)
    // never sees the domain.
    const setup = [
      "mount -t tmpfs tmpfs /run",
      "mkdir -p /run/sshd",
      "mount -t tmpfs tmpfs /srv",
      'mkdir -p "$(dirname "$3")" "$4"',
      'cp -a "$2/glassfish/domains/domain1" "$3"',
      'exec /usr/sbin/sshd -D -e -f "$1/sshd_config"',
    ].join(" && ");
    const log = this.f("sshd.log");
    const fd = openSync(log, "a");
    this.sshd = spawn(
      "ip",
      ["netns", "exec", this.ns, "unshare", "--mount", "--propagation", "private"].concat([
        "sh",
        "-c",
        setup,
        "sh",
        this.dir,
        this.home,
        this.domainDir,
        this.labDir,
      ]),
      { stdio: ["ignore", fd, fd], detached: true },
    );
    this.sshd.unref();
    for (let i = 0; i < 400; i++) {
      if (readFileSync(log, "utf8").includes(`Server listening on 127.0.0.1 port ${SSH_PORT}`)) {
        const hostKey = readFileSync(this.f("host_key.pub"), "utf8").trim().split(" ");
        this.connection = {
          host: "127.0.0.1",
          port: SSH_PORT,
          user: "root",
          privateKey: readFileSync(this.f("client_key"), "utf8"),
          hostKey: hostKey.slice(0, 2).join(" "),
        };
        return;
      }
      if (this.sshd.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`the DAS host's sshd did not start: ${readFileSync(log, "utf8")}`);
  }

  /** The sshd's pid: its mount and network namespaces are the DAS host's. */
  private sshdPid(): number {
    const pid = Number(readFileSync(this.f("sshd.pid"), "utf8").trim());
    if (!(pid > 0)) throw new Error("the DAS host's sshd is not running");
    return pid;
  }

  /** Runs a shell script on the DAS host (its mount and network namespaces), as root. */
  shell(script: string, ...args: string[]): string {
    return sh([
      "nsenter",
      "-t",
      String(this.sshdPid()),
      "-m",
      "-n",
      "sh",
      "-c",
      script,
      "sh",
      ...args,
    ]);
  }

  /** Puts a file on the DAS host. */
  putFile(file: string, content: string): void {
    const tmp = this.f(`put-${++counter}`);
    writeFileSync(tmp, content);
    try {
      this.shell('mkdir -p "$(dirname "$2")" && cat "$1" > "$2"', tmp, file);
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  /** A file of the DAS host, or undefined when it is not there. */
  readFile(file: string): Buffer | undefined {
    const out = this.shell('[ -e "$1" ] && base64 -w0 "$1" || echo -n "-"', file);
    return out === "-" ? undefined : Buffer.from(out, "base64");
  }

  /** The DAS's pid when its `config/pid` (on the DAS host) names a live process of the domain. */
  runningPid(): number | undefined {
    const pid = Number(this.readFile(`${this.domainDir}/config/pid`)?.toString().trim());
    return Number.isInteger(pid) && processesOf(this.domainDir).includes(pid) ? pid : undefined;
  }

  /** `asadmin start-domain` on the DAS host, in a session of its own; resolves when it returns. */
  start(): Promise<AsadminResult> {
    const t = Date.now();
    const asadmin = path.join(this.home, "bin", "asadmin");
    const child = spawn(
      "nsenter",
      [
        "-t",
        String(this.sshdPid()),
        "-m",
        "-n",
        "setsid",
        "--wait",
        asadmin,
        "start-domain",
      ].concat(["--domaindir", path.dirname(this.domainDir), "domain1"]),
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout!.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr!.on("data", (b: Buffer) => (output += b.toString()));
    return new Promise((resolve) =>
      child.on("close", (code) => resolve({ code: code ?? 1, output, ms: Date.now() - t })),
    );
  }

  /** Kills the DAS and the sshd, removes the namespace (the DAS host's mounts go with them). */
  destroy(): void {
    for (const pid of processesOf(this.domainDir)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    // sshd puts itself in a session of its own: end it by its pid file (its per-connection
    // children first), then what started it.
    try {
      const pid = this.sshdPid();
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
      for (const c of children === "" ? [] : children.split(/\s+/).map(Number)) {
        try {
          process.kill(c, "SIGKILL");
        } catch {
          // already gone
        }
      }
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
    if (this.sshd?.pid && this.sshd.exitCode === null) {
      try {
        process.kill(-this.sshd.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    spawnSync("ip", ["netns", "del", this.ns], { stdio: "ignore" });
    if (existsSync(this.dir)) rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }
}
