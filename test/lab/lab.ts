import { execFile, execFileSync } from "child_process";
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "fs";
import * as os from "os";
import * as path from "path";

/** One lab host: a network namespace with one interface (`eth0`) on the lab bridge. */
export interface LabHost {
  /** Short label, unique in the lab. */
  name: string;
  /** Address inside the lab subnet (without prefix). */
  ip: string;
  mac: string;
  /** Drop this share (0 to 1) of the host's ARP replies (nftables), to make the link lossy. */
  arpLoss?: number;
}

/** A DAS port: an interface of the DAS namespace, on the bridge, with an optional address. */
export interface LabPort {
  name: string;
  /** e.g. `10.132.181.1/24`; none leaves the port without an address. */
  cidr?: string;
}

/** What to build. */
export interface LabOptions {
  /** Prefix length of the hosts' addresses. */
  prefix: number;
  ports: LabPort[];
  hosts: LabHost[];
}

const PREFIX = "gfims";
const RUNNER = path.join(__dirname, "run-in-lab.js");

/** What a command printed. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(argv: readonly string[], timeoutMs: number): Promise<RunResult> {
  const [cmd, ...args] = argv;
  return new Promise((resolve) =>
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    ),
  );
}

/** `sh -c script args…` in a private mount namespace: mounts made there stay there. */
function inPrivateMounts(script: string, ...args: string[]): string[] {
  return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, ...args];
}

/** An sshd configuration for tests: key auth only, everything in files of the test's own. */
export function sshdConfig(o: { port: number; listen: string; dir: string }): string {
  return (
    [
      `Port ${o.port}`,
      `ListenAddress ${o.listen}`,
      `HostKey ${o.dir}/host_key`,
      `AuthorizedKeysFile ${o.dir}/authorized_keys`,
      `PidFile ${o.dir}/sshd.pid`,
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      "StrictModes no",
      "UsePAM no",
    ].join("\n") + "\n"
  );
}

/** Why the lab cannot run here, or undefined when it can. */
export function labUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "the network lab needs root (ip netns)";
  try {
    execFileSync("ip", ["netns", "list"], { stdio: "pipe" });
    execFileSync("nft", ["--version"], { stdio: "pipe" });
  } catch {
    return "the network lab needs iproute2 and nftables (npm test installs them when run as root)";
  }
  return undefined;
}

function ip(args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile("ip", args, (err, _out, stderr) =>
      err ? reject(new Error(`ip ${args.join(" ")}: ${stderr.trim() || err.message}`)) : resolve(),
    ),
  );
}

async function inParallel<T>(
  items: readonly T[],
  limit: number,
  fn: (t: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

/** The lab names this module gave (a test file's own: Jest gives each file its own modules). */
const given = new Set<string>();
let named = 0;

/**
 * A lab namespace name, `gfims-<pid>-<kind><n><tag>`: the pid says whose it is (see
 * {@link sweepAbandonedLabs}); the random tag keeps it apart from a name an earlier test file of
 * the same Jest worker (same pid, its own count from 1) may have left behind.
 */
export function labName(kind = ""): string {
  const tag = Math.random().toString(36).slice(2, 6);
  const name = `${PREFIX}-${process.pid}-${kind}${++named}${tag}`;
  given.add(name);
  return name;
}

/**
 * Deletes namespaces of labs whose process died (a crashed run must not leave them behind), and
 * those named for this process's pid that it did not name itself: an earlier process with the
 * same pid left them.
 */
export function sweepAbandonedLabs(): void {
  const names = execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n")
    .map((l) => l.split(" ")[0])
    .filter((n) => n.startsWith(`${PREFIX}-`));
  for (const n of names) {
    const pid = Number(n.split("-")[1]);
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {
      alive = false;
    }
    const ours = [...given].some((g) => n === g || n.startsWith(`${g}-`));
    const stale = !alive || (pid === process.pid && !ours);
    if (stale) execFileSync("ip", ["netns", "del", n], { stdio: "ignore" });
  }
}

const live = new Set<Lab>();
let exitHook = false;

/**
 * A network lab of namespaces: a bridge, a DAS whose interfaces carry the pool's port names, and
 * hosts with chosen MACs and addresses. Everything that sends to lab addresses runs inside the
 * DAS namespace ({@link Lab.exec}); from the host namespace those addresses would leave the
 * machine. Destroy it in `afterAll`; a process exit removes what is left too.
 */
export class Lab {
  readonly das: string;
  readonly bridge: string;
  private readonly hosts = new Map<string, LabHost & { ns: string }>();
  private readonly pidFiles: string[] = [];
  private readonly workDirs: string[] = [];
  private readonly extraNamespaces: string[] = [];
  private dasRun: string | undefined;
  private ssh: { command: string; keyfile: string; knownHosts: string } | undefined;

  private constructor(
    readonly id: string,
    readonly options: LabOptions,
  ) {
    this.das = `${id}-das`;
    this.bridge = `${id}-br`;
  }

  /** Builds the lab; on any failure what was built is removed again. */
  static async create(options: LabOptions): Promise<Lab> {
    const reason = labUnavailable();
    if (reason) throw new Error(reason);
    sweepAbandonedLabs();
    const lab = new Lab(labName(), options);
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

  private async build(): Promise<void> {
    const { das, bridge } = this;
    await ip(["netns", "add", bridge]);
    await ip(["netns", "add", das]);
    await ip(["-n", bridge, "link", "add", "name", "labbr", "type", "bridge"]);
    await ip(["-n", bridge, "link", "set", "labbr", "up"]);
    await ip(["-n", das, "link", "set", "lo", "up"]);
    let d = 0;
    for (const port of this.options.ports) {
      await this.plug(`d${d++}`, port.name, das);
      if (port.cidr) await ip(["-n", das, "addr", "add", port.cidr, "dev", port.name]);
      await ip(["-n", das, "link", "set", port.name, "up"]);
    }
    const hosts = this.options.hosts.map((h, i) => ({ ...h, ns: `${this.id}-h${i}` }));
    await inParallel(hosts, 8, async (h) => {
      await ip(["netns", "add", h.ns]);
      await this.plug(`h${hosts.indexOf(h)}`, "eth0", h.ns);
      await ip(["-n", h.ns, "link", "set", "eth0", "address", h.mac]);
      await ip(["-n", h.ns, "addr", "add", `${h.ip}/${this.options.prefix}`, "dev", "eth0"]);
      await ip(["-n", h.ns, "link", "set", "eth0", "up"]);
      if (h.arpLoss) await this.setArpLoss(h.ns, h.arpLoss);
      this.hosts.set(h.name, h);
    });
  }

  /** A veth pair: `peer` on the lab bridge, `ifname` in namespace `ns`. */
  private async plug(peer: string, ifname: string, ns: string): Promise<void> {
    const veth = ["link", "add", peer, "type", "veth", "peer", "name", ifname, "netns", ns];
    await ip(["-n", this.bridge, ...veth]);
    await ip(["-n", this.bridge, "link", "set", peer, "master", "labbr", "up"]);
  }

  private async setArpLoss(ns: string, share: number): Promise<void> {
    const keep = Math.round((1 - share) * 100);
    const rules = `table arp loss {\n chain out { type filter hook output priority 0; numgen random mod 100 >= ${keep} drop; }\n}\n`;
    await new Promise<void>((resolve, reject) => {
      const p = execFile("ip", ["netns", "exec", ns, "nft", "-f", "-"], (err) =>
        err ? reject(err) : resolve(),
      );
      p.stdin?.end(rules);
    });
  }

  /** Moves a host to another address (as a DHCP lease change would). */
  async moveHost(name: string, newIp: string): Promise<void> {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no lab host ${name}`);
    await ip(["-n", h.ns, "addr", "flush", "dev", "eth0"]);
    await ip(["-n", h.ns, "addr", "add", `${newIp}/${this.options.prefix}`, "dev", "eth0"]);
    h.ip = newIp;
  }

  /**
   * Makes a host a "remote machine": its own libvirtd and an sshd (key auth only) inside the
   * host's namespace, with a private /run (a mount namespace) so its libvirt socket is its own.
   * Returns the ssh wrapper and key to use in a connection string: the wrapper trusts only this
   * lab's host key (a test-local known_hosts), so nothing of the user's is read or written.
   */
  async serveLibvirtOverSsh(name: string): Promise<{ command: string; keyfile: string }> {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no lab host ${name}`);
    const dir = mkdtempSync(path.join(os.tmpdir(), `${h.ns}-`));
    this.workDirs.push(dir);
    const f = (n: string) => path.join(dir, n);
    const client = this.sshClient();
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", f("host_key")]);
    // sshd reads authorized_keys as the user logging in: the pool user must be able to.
    chmodSync(dir, 0o755);
    writeFileSync(f("authorized_keys"), readFileSync(`${client.keyfile}.pub`), { mode: 0o644 });
    writeFileSync(f("sshd_config"), sshdConfig({ port: 22, listen: h.ip, dir }));
    writeFileSync(
      f("libvirtd.conf"),
      // Lab-only daemon: any user who logs in over ssh may use /system.
      [
        'unix_sock_rw_perms = "0777"',
        'auth_unix_rw = "none"',
        'auth_unix_ro = "none"',
        `log_outputs = "3:file:${f("libvirtd.log")}"`,
      ].join("\n") + "\n",
    );
    const script = [
      "mount -t tmpfs tmpfs /run",
      "mkdir -p /run/sshd /run/libvirt",
      `libvirtd -d -f ${f("libvirtd.conf")} -p ${f("libvirtd.pid")}`,
      `/usr/sbin/sshd -f ${f("sshd_config")}`,
    ].join(" && ");
    await ip(["-n", h.ns, "link", "set", "lo", "up"]);
    execFileSync("ip", ["netns", "exec", h.ns, ...inPrivateMounts(script)]);
    this.pidFiles.push(f("sshd.pid"), f("libvirtd.pid"));
    appendFileSync(client.knownHosts, `${h.ip} ${readFileSync(f("host_key.pub"), "utf8")}`);
    for (let i = 0; i < 100 && !existsSync(f("libvirtd.pid")); i++)
      await new Promise((r) => setTimeout(r, 50));
    return { command: client.command, keyfile: client.keyfile };
  }

  /**
   * The lab's ssh client side, shared by all its remote machines: one key, one known_hosts of
   * the lab's own (never the user's), and a wrapper for `command=` in a connection string.
   */
  private sshClient(): { command: string; keyfile: string; knownHosts: string } {
    if (!this.ssh) {
      const dir = mkdtempSync(path.join(os.tmpdir(), `${this.id}-ssh-`));
      this.workDirs.push(dir);
      const keyfile = path.join(dir, "client_key");
      const knownHosts = path.join(dir, "known_hosts");
      const command = path.join(dir, "ssh");
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyfile]);
      writeFileSync(knownHosts, "");
      writeFileSync(
        command,
        `#!/bin/sh\nexec ssh -o UserKnownHostsFile=${knownHosts} -o GlobalKnownHostsFile=/dev/null -o BatchMode=yes "$@"\n`,
      );
      chmodSync(command, 0o755);
      this.ssh = { command, keyfile, knownHosts };
    }
    return this.ssh;
  }

  /**
   * Gives the DAS its own libvirtd for `localhost` machines: its socket lives in a directory of
   * the lab that {@link dasArgv} mounts over /run/libvirt (in a private mount namespace), so
   * `qemu:///system` reaches it and no daemon of the machine's own is involved.
   */
  async startDasLibvirtd(): Promise<void> {
    const dir = mkdtempSync(path.join(os.tmpdir(), `${this.das}-run-`));
    this.workDirs.push(dir);
    this.dasRun = dir;
    startLibvirtdWithOwnRun(dir);
    this.pidFiles.push(path.join(dir, "libvirtd.pid"));
    for (let i = 0; i < 100 && !existsSync(path.join(dir, "libvirt", "libvirt-sock")); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The command line that runs `argv` as the DAS: in its namespace, with its /run if it has one. */
  dasArgv(argv: readonly string[]): string[] {
    if (!this.dasRun) return this.argv(argv);
    // Only /run/libvirt is the DAS's own: /run/netns must stay visible (the runners' guard).
    const mountRun = 'mkdir -p /run/libvirt && mount --bind "$0/libvirt" /run/libvirt && exec "$@"';
    return this.argv(inPrivateMounts(mountRun, this.dasRun, ...argv));
  }

  /**
   * Gives the DAS a second interface, `wan` (`10.0.9.2/24`), to a gateway namespace (`10.0.9.1`)
   * and a default route through it, as a production DAS has; IPv6 is off on that link so nothing
   * but what the DAS routes there crosses it. Returns how to read the packets the gateway got.
   */
  async addGateway(): Promise<{ gatewayIp: string; received: () => number }> {
    const gw = `${this.id}-gw`;
    this.extraNamespaces.push(gw);
    await ip(["netns", "add", gw]);
    await ip([
      "-n",
      this.das,
      "link",
      "add",
      "wan",
      "type",
      "veth",
      "peer",
      "name",
      "eth0",
      "netns",
      gw,
    ]);
    for (const [ns, dev] of [
      [this.das, "wan"],
      [gw, "eth0"],
    ]) {
      execFileSync("ip", [
        "netns",
        "exec",
        ns,
        "sysctl",
        "-q",
        "-w",
        `net.ipv6.conf.${dev}.disable_ipv6=1`,
      ]);
    }
    await ip(["-n", this.das, "addr", "add", "10.0.9.2/24", "dev", "wan"]);
    await ip(["-n", gw, "addr", "add", "10.0.9.1/24", "dev", "eth0"]);
    await ip(["-n", this.das, "link", "set", "wan", "up"]);
    await ip(["-n", gw, "link", "set", "eth0", "up"]);
    await ip(["-n", gw, "link", "set", "lo", "up"]);
    await ip(["-n", this.das, "route", "add", "default", "via", "10.0.9.1"]);
    const received = () =>
      Number(
        execFileSync(
          "ip",
          ["netns", "exec", gw, "cat", "/sys/class/net/eth0/statistics/rx_packets"],
          {
            encoding: "utf8",
          },
        ).trim(),
      );
    return { gatewayIp: "10.0.9.1", received };
  }

  /** Runs `ip -n <das> args…` (routes, addresses of the DAS). */
  dasIp(args: string[]): Promise<void> {
    return ip(["-n", this.das, ...args]);
  }

  /** Takes a host off the network. */
  async unplug(name: string): Promise<void> {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no lab host ${name}`);
    await ip(["-n", h.ns, "link", "set", "eth0", "down"]);
  }

  /**
   * The command line that runs `argv` inside the DAS namespace: the only way lab addresses are
   * ever probed.
   */
  argv(argv: readonly string[]): string[] {
    return ["ip", "netns", "exec", this.das, ...argv];
  }

  /** Runs `argv` inside the DAS namespace. */
  exec(argv: readonly string[], timeoutMs = 120_000): Promise<RunResult> {
    return run(this.argv(argv), timeoutMs);
  }

  /** Runs `argv` as the DAS ({@link dasArgv}). */
  dasExec(argv: readonly string[], timeoutMs = 120_000): Promise<RunResult> {
    return run(this.dasArgv(argv), timeoutMs);
  }

  /**
   * Runs one provider operation in the lab through `test/lab/run-in-lab.js` (as the DAS, with its
   * /run when it has one) and returns its outcome.
   */
  async request(
    request: object,
  ): Promise<{ value?: Record<string, unknown>; error?: { code: string; message: string } }> {
    const r = await this.dasExec([process.execPath, RUNNER, JSON.stringify(request)]);
    if (r.code !== 0) throw new Error(`lab runner failed (${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  /** Removes every namespace of the lab (their interfaces go with them). */
  destroySync(): void {
    // Daemons of remote machines outlive their namespace: end them first.
    for (const pidFile of this.pidFiles) {
      try {
        process.kill(Number(readFileSync(pidFile, "utf8").trim()), "SIGKILL");
      } catch {
        // not running
      }
    }
    for (const dir of this.workDirs) rmSync(dir, { recursive: true, force: true });
    const names = [
      this.das,
      this.bridge,
      ...this.extraNamespaces,
      ...[...this.hosts.values()].map((h) => h.ns),
    ];
    for (const n of this.options.hosts.map((_, i) => `${this.id}-h${i}`))
      if (!names.includes(n)) names.push(n);
    for (const n of names) {
      try {
        execFileSync("ip", ["netns", "del", n], { stdio: "ignore" });
      } catch {
        // already gone
      }
    }
    live.delete(this);
  }
}

/**
 * Starts a system libvirtd whose /run is `dir` (a private mount namespace): its socket is
 * `<dir>/libvirt/libvirt-sock` and its state stays out of the machine's /run, so several can run
 * at once. Its pid file is `<dir>/libvirtd.pid`.
 */
export function startLibvirtdWithOwnRun(dir: string): void {
  const conf = path.join(dir, "libvirtd.conf");
  writeFileSync(
    conf,
    [
      'unix_sock_rw_perms = "0770"',
      'auth_unix_rw = "none"',
      'auth_unix_ro = "none"',
      `log_outputs = "3:file:${dir}/libvirtd.log"`,
    ].join("\n") + "\n",
  );
  const script =
    'mount --bind "$0" /run && mkdir -p /run/libvirt && exec libvirtd -d -f "$1" -p "$2"';
  const [cmd, ...args] = inPrivateMounts(script, dir, conf, path.join(dir, "libvirtd.pid"));
  execFileSync(cmd, args);
}
