import { execFileSync, spawn, type ChildProcess } from "child_process";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "fs";
import * as os from "os";
import * as path from "path";
import { labName, labUnavailable, sweepAbandonedLabs } from "./lab";

// A remote DAS host for the SSH tests: network namespaces joined by veth pairs (no bridge, no
// route to anything but each other), a real sshd in the DAS host's own mount namespace, and the
// client side in a "CI" namespace.
//
//   CI 10.231.1.1 ── 10.231.1.2 DAS (sshd :22 and :2222)
//   CI 10.231.2.1 ── 10.231.2.2 bastion 10.231.3.1 ── 10.231.3.2 DAS   (addBastion)
//
// The bastion does not forward packets: from CI, 10.231.3.2 is reachable only through it.

const RUNNER = path.join(__dirname, "run-remote.js");

/** The DAS host's address on the CI link. */
export const DAS_IP = "10.231.1.2";
/** The DAS host's address behind the bastion (not routed from CI). */
export const DAS_BEHIND_BASTION_IP = "10.231.3.2";
/** The bastion's address on the CI link. */
export const BASTION_IP = "10.231.2.2";
/** The DAS host's address on its pool subnet ({@link DasHostLab.addPoolHost}), not routed from CI. */
export const POOL_PORT_IP = "10.231.9.1";
/** The port of the DAS host's sshd whose sessions have a PATH without virsh. */
export const NO_VIRSH_PORT = 2223;
/**
 * The port of the DAS host's sshd whose sessions run a `mv` that can stop in the rename window
 * ({@link DasHostLab.addSshdWithRenameHook}).
 */
export const RENAME_HOOK_PORT = 2224;
/** The user that logs in with a password (it exists only in the DAS host's /etc). */
export const PASSWORD_USER = "gfimspw";

/** What a runner step printed. */
export interface RunOutcome {
  value?: unknown;
  error?: { code?: string; message: string; stack?: string; cause?: string };
}

/**
 * Another DAS host of the lab ({@link DasHostLab.addDasHost}): its own network and mount
 * namespaces, sshd and host key, linked to the CI namespace only.
 */
export interface ExtraDasHost {
  /** Its address on its link to CI. */
  ip: string;
  /** Its host key (public line, `ssh-ed25519 AAAA…`). */
  hostKey: string;
  /** Runs a shell script there (its mount and network namespaces), as root. */
  shell(script: string, ...args: string[]): string;
  /** Puts a file there (directories made as needed). */
  putFile(file: string, content: string | Buffer): void;
  /** A file of that host. */
  readFile(file: string): Buffer;
}

/** A key pair made for the lab. */
export interface LabKey {
  /** Path of the private key. */
  file: string;
  /** The private key's content. */
  privateKey: string;
  /** The public key line (`ssh-ed25519 AAAA… comment`). */
  publicKey: string;
}

/** Where the rename hook keeps its wrapper, its arming file and its FIFO (on the DAS host). */
const RENAME_HOOK = "/srv/rename-hook";

/** Why the DAS host lab cannot run here, or undefined when it can. */
export function dasHostUnavailable(): string | undefined {
  const lab = labUnavailable();
  if (lab) return lab;
  for (const tool of ["/usr/sbin/sshd", "ssh-keygen", "unshare", "nsenter", "openssl"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "pipe" });
    } catch {
      return `the remote DAS host lab needs ${tool} (openssh-server, openssh-client, util-linux, openssl)`;
    }
  }
  return undefined;
}

function sh(argv: readonly string[], input?: string): string {
  const [cmd, ...args] = argv;
  return execFileSync(cmd, args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });
}

/** Runs a shell script in the mount and network namespaces of process `pid`, as root. */
function shellIn(pid: number, script: string, args: readonly string[]): string {
  return sh(["nsenter", "-t", String(pid), "-m", "-n", "sh", "-c", script, "sh", ...args]);
}

function keygen(file: string, passphrase = "", comment = "gfims-lab", type = "ed25519"): LabKey {
  sh(["ssh-keygen", "-q", "-t", type, "-N", passphrase, "-C", comment, "-f", file]);
  return {
    file,
    privateKey: readFileSync(file, "utf8"),
    publicKey: readFileSync(`${file}.pub`, "utf8").trim(),
  };
}

const live = new Set<DasHostLab>();
let exitHook = false;

/** One sshd of the lab, in its own mount namespace (its own /run, and for the DAS /srv). */
interface Daemon {
  child: ChildProcess;
  log: string;
}

/**
 * A remote DAS host in the lab. Everything that connects to it runs inside the CI namespace
 * ({@link DasHostLab.run}). Destroy it in `afterAll`; a process exit removes what is left too.
 */
export class DasHostLab {
  readonly ci: string;
  readonly das: string;
  readonly bastion: string;
  readonly dir: string;
  /** The DAS host's host key (public line, `ssh-ed25519 AAAA…`). */
  hostKey = "";
  /** The DAS host's second host key, an ECDSA one (`ecdsa-sha2-nistp256 AAAA…`). */
  ecdsaHostKey = "";
  /** A client key in the DAS root's authorized_keys. */
  key!: LabKey;
  /** A client key with a passphrase, also authorized. */
  keyWithPassphrase!: LabKey;
  readonly passphrase = "PLANTED-passphrase-3f9c1e";
  readonly password = "PLANTED-password-7a2d44";
  /** A key nobody authorized. */
  strangerKey!: LabKey;
  private das_?: Daemon;
  private hook_?: ChildProcess;
  private bastion_?: Daemon;
  bastionHostKey = "";
  private readonly children: ChildProcess[] = [];
  private readonly namespaces: string[] = [];

  private constructor(readonly id: string) {
    this.ci = `${id}-ci`;
    this.das = `${id}-das`;
    this.bastion = `${id}-bastion`;
    this.dir = mkdtempSync(path.join(os.tmpdir(), `${id}-`));
  }

  /** Builds the CI namespace and the DAS host with its sshd; on failure removes what was built. */
  static async create(): Promise<DasHostLab> {
    const reason = dasHostUnavailable();
    if (reason) throw new Error(reason);
    sweepAbandonedLabs();
    const lab = new DasHostLab(labName("ssh"));
    live.add(lab);
    if (!exitHook) {
      exitHook = true;
      process.on("exit", () => live.forEach((l) => l.destroySync()));
    }
    try {
      await lab.build();
    } catch (e) {
      lab.destroySync();
      throw e;
    }
    return lab;
  }

  private f(name: string): string {
    return path.join(this.dir, name);
  }

  private addNamespace(ns: string): void {
    sh(["ip", "netns", "add", ns]);
    this.namespaces.push(ns);
    sh(["ip", "-n", ns, "link", "set", "lo", "up"]);
  }

  /** A veth pair between two namespaces, addressed on a /24. */
  private link(a: string, aIf: string, aIp: string, b: string, bIf: string, bIp: string): void {
    sh(["ip", "-n", a, "link", "add", aIf, "type", "veth", "peer", "name", bIf, "netns", b]);
    sh(["ip", "-n", a, "addr", "add", `${aIp}/24`, "dev", aIf]);
    sh(["ip", "-n", b, "addr", "add", `${bIp}/24`, "dev", bIf]);
    sh(["ip", "-n", a, "link", "set", aIf, "up"]);
    sh(["ip", "-n", b, "link", "set", bIf, "up"]);
  }

  private async build(): Promise<void> {
    chmodSync(this.dir, 0o755);
    this.addNamespace(this.ci);
    this.addNamespace(this.das);
    this.link(this.ci, "to-das", "10.231.1.1", this.das, "to-ci", DAS_IP);
    this.key = keygen(this.f("client_key"));
    this.keyWithPassphrase = keygen(this.f("client_key_pp"), this.passphrase);
    this.strangerKey = keygen(this.f("stranger_key"));
    const host = keygen(this.f("host_key"), "", "das-host");
    this.hostKey = host.publicKey.split(" ").slice(0, 2).join(" ");
    const ecdsa = keygen(this.f("host_key_ecdsa"), "", "das-host", "ecdsa");
    this.ecdsaHostKey = ecdsa.publicKey.split(" ").slice(0, 2).join(" ");
    writeFileSync(
      this.f("authorized_keys"),
      `${this.key.publicKey}\n${this.keyWithPassphrase.publicKey}\n`,
      { mode: 0o644 },
    );
    // The password user exists only in the DAS host's own copy of /etc/passwd and /etc/shadow.
    const hash = sh(["openssl", "passwd", "-6", "-stdin"], this.password).trim();
    writeFileSync(
      this.f("passwd"),
      `${readFileSync("/etc/passwd", "utf8")}${PASSWORD_USER}:x:4242:4242::/srv/home:/bin/sh\n`,
    );
    writeFileSync(
      this.f("shadow"),
      `${readFileSync("/etc/shadow", "utf8")}${PASSWORD_USER}:${hash}:19000:0:99999:7:::\n`,
      { mode: 0o640 },
    );
    writeFileSync(
      this.f("sshd_config"),
      [
        `ListenAddress ${DAS_IP}:22`,
        `ListenAddress ${DAS_IP}:2222`,
        `HostKey ${this.f("host_key")}`,
        `HostKey ${this.f("host_key_ecdsa")}`,
        `AuthorizedKeysFile ${this.f("authorized_keys")}`,
        `PidFile ${this.f("sshd.pid")}`,
        "PermitRootLogin yes",
        "PasswordAuthentication yes",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "Subsystem sftp internal-sftp",
        "LogLevel VERBOSE",
        "",
      ].join("\n"),
    );
    // /srv is a tmpfs of the DAS host's own (the host namespace never sees what is put there);
    // /srv/ro is mounted read-only with one file in it.
    const setup = [
      "mount -t tmpfs tmpfs /run",
      "mkdir -p /run/sshd",
      "mount -t tmpfs tmpfs /srv",
      "mkdir -p /srv/glassfish/domains /srv/home /srv/ro",
      "chown 4242:4242 /srv/home",
      "mount -t tmpfs tmpfs /srv/ro",
      "echo read-only > /srv/ro/file",
      "mount -o remount,ro /srv/ro",
      'mount --bind "$1/passwd" /etc/passwd',
      'mount --bind "$1/shadow" /etc/shadow',
      'exec /usr/sbin/sshd -D -e -f "$1/sshd_config"',
    ].join(" && ");
    this.das_ = await this.startSshd(this.das, setup, "das-sshd.log", `${DAS_IP} port 22`);
  }

  private async startSshd(ns: string, setup: string, log: string, listening: string) {
    const logFile = this.f(log);
    const fd = openSync(logFile, "a");
    const child = spawn(
      "ip",
      ["netns", "exec", ns, "unshare", "--mount", "--propagation", "private"].concat([
        "sh",
        "-c",
        setup,
        "sh",
        this.dir,
      ]),
      { stdio: ["ignore", fd, fd], detached: true },
    );
    this.children.push(child);
    // The lab's daemons must not keep a test process alive: destroySync ends them.
    child.unref();
    for (let i = 0; i < 200; i++) {
      if (readFileSync(logFile, "utf8").includes(`Server listening on ${listening}`))
        return { child, log: logFile };
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`sshd in ${ns} did not start: ${readFileSync(logFile, "utf8")}`);
  }

  /**
   * Adds a bastion: a namespace linked to CI and to the DAS host (a second DAS address,
   * {@link DAS_BEHIND_BASTION_IP}, that CI has no route to), with its own sshd.
   */
  async addBastion(): Promise<void> {
    this.addNamespace(this.bastion);
    this.link(this.ci, "to-bastion", "10.231.2.1", this.bastion, "to-ci", BASTION_IP);
    this.link(this.bastion, "to-das", "10.231.3.1", this.das, "to-bastion", DAS_BEHIND_BASTION_IP);
    // The DAS sshd listens on the new address too (Linux lets it bind a non-local address).
    execFileSync("ip", [
      "netns",
      "exec",
      this.das,
      "sysctl",
      "-q",
      "-w",
      "net.ipv4.ip_nonlocal_bind=1",
    ]);
    const host = keygen(this.f("bastion_host_key"), "", "bastion");
    this.bastionHostKey = host.publicKey.split(" ").slice(0, 2).join(" ");
    writeFileSync(
      this.f("bastion_sshd_config"),
      [
        `ListenAddress ${BASTION_IP}:22`,
        `HostKey ${this.f("bastion_host_key")}`,
        `AuthorizedKeysFile ${this.f("authorized_keys")}`,
        `PidFile ${this.f("bastion_sshd.pid")}`,
        "PermitRootLogin yes",
        "PasswordAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "AllowTcpForwarding yes",
        "LogLevel VERBOSE",
        "",
      ].join("\n"),
    );
    const setup =
      'mount -t tmpfs tmpfs /run && mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e -f "$1/bastion_sshd_config"';
    this.bastion_ = await this.startSshd(
      this.bastion,
      setup,
      "bastion-sshd.log",
      `${BASTION_IP} port 22`,
    );
    // A second DAS sshd for the bastion-side address, in the DAS host's mount namespace.
    writeFileSync(
      this.f("sshd_behind_config"),
      readFileSync(this.f("sshd_config"), "utf8")
        .replace(/^ListenAddress .*\n/gm, "")
        .replace(/^PidFile .*$/m, `PidFile ${this.f("sshd_behind.pid")}`)
        .concat(`ListenAddress ${DAS_BEHIND_BASTION_IP}:22\n`),
    );
    const logFile = this.f("das-behind-sshd.log");
    const fd = openSync(logFile, "a");
    const child = spawn(
      "nsenter",
      [
        "-t",
        String(this.dasPid()),
        "-m",
        "-n",
        "/usr/sbin/sshd",
        "-D",
        "-e",
        "-f",
        this.f("sshd_behind_config"),
      ],
      { stdio: ["ignore", fd, fd], detached: true },
    );
    this.children.push(child);
    for (let i = 0; i < 200 && !readFileSync(logFile, "utf8").includes("Server listening"); i++)
      await new Promise((r) => setTimeout(r, 25));
  }

  /**
   * Adds a lab host on a subnet only the DAS host can see: a namespace linked to the DAS host's
   * port `pool0` ({@link POOL_PORT_IP}/24), its `eth0` at `ip` with MAC `mac`. CI has no route
   * to that subnet, so only a sweep from the DAS host finds it.
   */
  addPoolHost(ip: string, mac: string): void {
    const ns = `${this.id}-h${this.namespaces.length}`;
    this.addNamespace(ns);
    this.link(this.das, "pool0", POOL_PORT_IP, ns, "eth0", ip);
    sh(["ip", "-n", ns, "link", "set", "eth0", "address", mac]);
  }

  /**
   * Starts a second sshd of the DAS host (its mount and network namespaces) on
   * {@link NO_VIRSH_PORT}, whose sessions get a PATH of one directory holding links to every
   * program of the machine's bin directories but virsh: a DAS host without libvirt-clients.
   */
  async addSshdWithoutVirsh(): Promise<void> {
    const bin = "/srv/no-virsh-bin";
    this.dasShell(
      'mkdir -p "$1" && find /usr/bin /usr/sbin /bin /sbin -maxdepth 1 ! -type d ! -name virsh -exec ln -sf -t "$1" {} +',
      bin,
    );
    writeFileSync(
      this.f("sshd_no_virsh_config"),
      readFileSync(this.f("sshd_config"), "utf8")
        .replace(/^ListenAddress .*\n/gm, "")
        .replace(/^PidFile .*$/m, `PidFile ${this.f("sshd_no_virsh.pid")}`)
        .concat(`ListenAddress ${DAS_IP}:${NO_VIRSH_PORT}\nSetEnv PATH=${bin}\n`),
    );
    const logFile = this.f("das-no-virsh-sshd.log");
    const fd = openSync(logFile, "a");
    const child = spawn(
      "nsenter",
      ["-t", String(this.dasPid()), "-m", "-n"].concat([
        "/usr/sbin/sshd",
        "-D",
        "-e",
        "-f",
        this.f("sshd_no_virsh_config"),
      ]),
      { stdio: ["ignore", fd, fd], detached: true },
    );
    this.children.push(child);
    for (let i = 0; i < 200 && !readFileSync(logFile, "utf8").includes("Server listening"); i++)
      await new Promise((r) => setTimeout(r, 25));
  }

  /**
   * Starts a third sshd of the DAS host on {@link RENAME_HOOK_PORT} whose sessions find first on
   * their PATH a `mv` that, once armed ({@link armRenameHook}), stops the next rename of a file
   * named domain.xml: the store's last check before the rename and the rename are one `stat`
   * then `mv` on the DAS host, so the test holds the write inside its rename window, as long as
   * it likes, with no timing guess. Armed `before`, it stops before renaming; armed `after`, it
   * renames, then stops before the client hears of it. Either way it writes its pid to
   * `/srv/rename-hook/reached` and waits on the FIFO `/srv/rename-hook/go`.
   */
  async addSshdWithRenameHook(): Promise<void> {
    const bin = `${RENAME_HOOK}/bin`;
    const real = execFileSync("sh", ["-c", "command -v mv"], { encoding: "utf8" }).trim();
    const wrapper = [
      "#!/bin/sh",
      `h=${RENAME_HOOK}`,
      'last=""; for a in "$@"; do last=$a; done',
      'if [ "${last##*/}" = domain.xml ] && mode=$(cat "$h/armed" 2>/dev/null) && rm "$h/armed" 2>/dev/null; then',
      `  if [ "$mode" = after ]; then ${real} "$@" || exit; fi`,
      `  echo $$ > "$h/reached.tmp" && ${real} -f "$h/reached.tmp" "$h/reached"`,
      '  read _ < "$h/go"',
      '  [ "$mode" = after ] && exit 0',
      "fi",
      `exec ${real} "$@"`,
      "",
    ].join("\n");
    this.dasShell(
      'mkdir -p "$1/bin" && mkfifo "$1/go" && printf "%s" "$2" > "$1/bin/mv" && chmod 755 "$1/bin/mv"',
      RENAME_HOOK,
      wrapper,
    );
    writeFileSync(
      this.f("sshd_hook_config"),
      readFileSync(this.f("sshd_config"), "utf8")
        .replace(/^ListenAddress .*\n/gm, "")
        .replace(/^PidFile .*$/m, `PidFile ${this.f("sshd_hook.pid")}`)
        .concat(
          `ListenAddress ${DAS_IP}:${RENAME_HOOK_PORT}\nSetEnv PATH=${bin}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin\n`,
        ),
    );
    const logFile = this.f("das-hook-sshd.log");
    const fd = openSync(logFile, "a");
    const child = spawn(
      "nsenter",
      ["-t", String(this.dasPid()), "-m", "-n"].concat([
        "/usr/sbin/sshd",
        "-D",
        "-e",
        "-f",
        this.f("sshd_hook_config"),
      ]),
      { stdio: ["ignore", fd, fd], detached: true },
    );
    this.children.push(child);
    this.hook_ = child;
    for (let i = 0; i < 200 && !readFileSync(logFile, "utf8").includes("Server listening"); i++)
      await new Promise((r) => setTimeout(r, 25));
  }

  /** Arms the rename hook for the next rename of a domain.xml (see addSshdWithRenameHook). */
  armRenameHook(mode: "before" | "after"): void {
    this.dasShell('rm -f "$1/reached" && printf "%s" "$2" > "$1/armed"', RENAME_HOOK, mode);
  }

  /**
   * Waits until a rename stopped at the hook (an event, polled; `timeoutMs` only bounds a test
   * whose write never gets there) and returns the pid of the waiting `mv`.
   */
  async renameHookReached(timeoutMs = 120_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pid = this.dasShell('cat "$1/reached" 2>/dev/null; exit 0', RENAME_HOOK).trim();
      if (pid) return Number(pid);
      if (Date.now() > deadline) throw new Error("no rename reached the hook");
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Cuts the connections of the rename hook's sshd (kills each session's sshd processes, as
   * {@link killSessions} does), then ends the stopped `mv`: with `before` nothing was renamed,
   * with `after` the rename happened and the client never heard of it.
   */
  cutAtRenameHook(mvPid: number): number {
    const listener = this.hook_?.pid;
    if (!listener) throw new Error("the rename hook's sshd is not running");
    const pids = this.sessionsOf(listener);
    for (const p of pids) process.kill(p, "SIGKILL");
    // The stopped mv is a process of the DAS host's pid namespace, which is the machine's.
    process.kill(mvPid, "SIGKILL");
    return pids.length;
  }

  /**
   * Adds DAS host number `n` (2 to 9): a namespace linked to CI only (CI 10.231.2n.1, the host
   * 10.231.2n.2), with its own mount namespace (tmpfs /run and /srv, so its /srv/glassfish is
   * its own), its own host key, and an sshd that takes the lab's client {@link key}. Cheap: no
   * bastion, no password user; for programs that manage several DAS hosts at once.
   */
  async addDasHost(n: number): Promise<ExtraDasHost> {
    if (!Number.isInteger(n) || n < 2 || n > 9) throw new Error(`DAS host number ${n}: 2 to 9`);
    const ns = `${this.id}-das${n}`;
    const ip = `10.231.2${n}.2`;
    this.addNamespace(ns);
    this.link(this.ci, `to-das${n}`, `10.231.2${n}.1`, ns, "to-ci", ip);
    const key = keygen(this.f(`host_key_das${n}`), "", `das-host-${n}`);
    writeFileSync(
      this.f(`sshd_das${n}_config`),
      [
        `ListenAddress ${ip}:22`,
        `HostKey ${key.file}`,
        `AuthorizedKeysFile ${this.f("authorized_keys")}`,
        `PidFile ${this.f(`sshd_das${n}.pid`)}`,
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
    const setup = [
      "mount -t tmpfs tmpfs /run",
      "mkdir -p /run/sshd",
      "mount -t tmpfs tmpfs /srv",
      "mkdir -p /srv/glassfish/domains",
      `exec /usr/sbin/sshd -D -e -f "$1/sshd_das${n}_config"`,
    ].join(" && ");
    const daemon = await this.startSshd(ns, setup, `das${n}-sshd.log`, `${ip} port 22`);
    const pid = daemon.child.pid;
    if (!pid) throw new Error(`the sshd of DAS host ${n} has no pid`);
    const shell = (script: string, ...args: string[]) => shellIn(pid, script, args);
    return {
      ip,
      hostKey: key.publicKey.split(" ").slice(0, 2).join(" "),
      shell,
      putFile: (file, content) =>
        void sh(
          [
            "nsenter",
            "-t",
            String(pid),
            "-m",
            "-n",
            "sh",
            "-c",
            'mkdir -p "$(dirname "$1")" && cat > "$1"',
            "sh",
            file,
          ],
          content.toString(),
        ),
      readFile: (file) => Buffer.from(shell('base64 -w0 "$1"', file), "base64"),
    };
  }

  /** The pid of the DAS host's sshd listener (its mount and network namespaces are the host's). */
  dasPid(): number {
    const pid = this.das_?.child.pid;
    if (!pid) throw new Error("the DAS host's sshd is not running");
    return pid;
  }

  /** Runs a shell script on the DAS host (its mount and network namespaces), as root. */
  dasShell(script: string, ...args: string[]): string {
    return shellIn(this.dasPid(), script, args);
  }

  /**
   * Makes `dir` of the DAS host read-only (a read-only bind mount of itself, in the DAS host's
   * mount namespace only), or writable again: the file system refuses every write with EROFS.
   */
  readOnly(dir: string, on: boolean): void {
    this.dasShell(
      on ? 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1"' : 'umount "$1"',
      dir,
    );
  }

  /** Puts a file on the DAS host (directories made as needed). */
  putFile(file: string, content: string | Buffer, mode = 0o644): void {
    const tmp = this.f(`put-${Math.random().toString(36).slice(2)}`);
    writeFileSync(tmp, content);
    try {
      this.dasShell(
        'mkdir -p "$(dirname "$2")" && cat "$1" > "$2" && chmod "$3" "$2"',
        tmp,
        file,
        mode.toString(8),
      );
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  /** A file of the DAS host, as base64 (read inside its mount namespace). */
  readFile(file: string): Buffer {
    return Buffer.from(this.dasShell('base64 -w0 "$1"', file), "base64");
  }

  /** Logins the DAS host's sshd (or the bastion's) accepted so far: one per SSH session. */
  acceptedLogins(on: "das" | "bastion" = "das"): string[] {
    const logs =
      on === "das" ? [this.das_?.log, this.f("das-behind-sshd.log")] : [this.bastion_?.log];
    return logs
      .flatMap((l) => {
        try {
          return l ? readFileSync(l, "utf8").split("\n") : [];
        } catch {
          return [];
        }
      })
      .filter((l) => /^Accepted \S+ for /.test(l));
  }

  /** The DAS host sshd's per-connection children (one per open session). */
  sessionPids(): number[] {
    const pid = this.dasPid();
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    return children === "" ? [] : children.split(/\s+/).map(Number);
  }

  /**
   * Kills the sshd processes serving open sessions (each one's monitor and the session process
   * under it): the connections drop at once, the listener stays.
   */
  killSessions(): number {
    const pids = this.sessionsOf(this.dasPid());
    for (const p of pids) process.kill(p, "SIGKILL");
    return pids.length;
  }

  /** The sshd processes serving the sessions of the listener `pid`: each monitor, and its child. */
  private sessionsOf(pid: number): number[] {
    const children = (p: number) => {
      const list = readFileSync(`/proc/${p}/task/${p}/children`, "utf8").trim();
      return list === "" ? [] : list.split(/\s+/).map(Number);
    };
    return children(pid).flatMap((p) => [p, ...children(p)]);
  }

  /** Drops (silently) every packet to the DAS host's port 22 and 2222, or lets them pass again. */
  dropSsh(on: boolean): void {
    const rules = on
      ? "table inet gfims_drop {\n chain in { type filter hook input priority 0; tcp dport { 22, 2222 } drop; }\n}\n"
      : "delete table inet gfims_drop\n";
    execFileSync("ip", ["netns", "exec", this.das, "nft", "-f", "-"], { input: rules });
  }

  /**
   * Runs `code` (the body of an async function of `remote`, the dist module
   * provider/remote/session, and `vars`) in a new node process inside the CI namespace, and
   * returns what it returned or threw. The process must end by itself.
   */
  run(code: string, vars: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<RunOutcome> {
    return new Promise((resolve, reject) => {
      const child = spawn("ip", ["netns", "exec", this.ci, process.execPath, RUNNER], {
        stdio: ["pipe", "pipe", "pipe"],
        env: { ...process.env, SSH_AUTH_SOCK: "" },
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (err += d));
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`the CI runner did not end within ${timeoutMs} ms: ${err}`));
      }, timeoutMs);
      child.on("close", (code) => {
        clearTimeout(timer);
        const last = out.trim().split("\n").pop() ?? "";
        try {
          resolve(JSON.parse(last) as RunOutcome);
        } catch {
          reject(new Error(`the CI runner failed (${code}): ${err}${out}`));
        }
      });
      child.stdin.end(JSON.stringify({ code, vars }));
    });
  }

  /** Starts an ssh-agent (a child of the lab) holding {@link key}; returns its socket path. */
  async startAgent(): Promise<string> {
    const sock = this.f("agent.sock");
    this.children.push(spawn("ssh-agent", ["-D", "-a", sock], { stdio: "ignore" }));
    for (let i = 0; i < 200 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 25));
    execFileSync("ssh-add", ["-q", this.key.file], {
      env: { ...process.env, SSH_AUTH_SOCK: sock },
      stdio: "pipe",
    });
    return sock;
  }

  /** Ends the daemons and removes the namespaces and files of the lab. */
  destroySync(): void {
    // Session children outlive the listener: end them first.
    try {
      if (this.das_?.child.exitCode === null) this.killSessions();
    } catch {
      // no sessions
    }
    for (const c of this.children) {
      if (!c.pid || c.exitCode !== null) continue;
      try {
        // Its whole group when it has one: `ip netns exec` forks the sshd it starts.
        process.kill(-c.pid, "SIGKILL");
      } catch {
        try {
          process.kill(c.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    // sshd puts itself in a session of its own (setsid), out of the group killed above: end each
    // listener by its pid file.
    for (const name of existsSync(this.dir) ? readdirSync(this.dir) : []) {
      if (!name.endsWith(".pid")) continue;
      try {
        const pid = Number(readFileSync(this.f(name), "utf8").trim());
        if (pid > 0) process.kill(pid, "SIGKILL");
      } catch {
        // already gone, or its pid file with it
      }
    }
    for (const ns of this.namespaces.reverse()) {
      try {
        execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
      } catch {
        // already gone
      }
    }
    this.namespaces.length = 0;
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }
}
