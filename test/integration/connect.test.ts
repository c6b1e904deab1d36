import { execFileSync, spawn, spawnSync, type ChildProcess } from "child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { verifyConnection } from "../../provider/libvirt/connect";
import { sshdConfig } from "../lab/lab";

jest.setTimeout(60_000);

function has(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}
const missing = ["virsh", "ssh", "ssh-keygen"].filter((c) => !has(c));
if (missing.length)
  console.warn(
    `SKIPPED libvirt connection tests: ${missing.join(", ")} not installed (npm test installs them when run as root)`,
  );
const describeVirsh = missing.length ? describe.skip : describe;

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describeVirsh("libvirt connections through virsh, for real", () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(os.tmpdir(), "gf-ims-virsh-"))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads the embedded test driver (no daemon)", async () => {
    expect(await verifyConnection("test:///default", 5000)).toMatchObject({
      uri: "test:///default",
      hypervisorType: "TEST",
      libvirtVersion: expect.stringMatching(/^\d+\.\d+\.\d+$/),
    });
  });

  it("reads a per-test node description", async () => {
    const node = path.join(dir, "node.xml");
    writeFileSync(
      node,
      "<node><domain type='test'><name>vm1</name><memory>8192</memory><os><type>hvm</type></os></domain></node>\n",
    );
    expect(await verifyConnection(`test://${node}`, 5000)).toMatchObject({
      hypervisorType: "TEST",
    });
  });

  it("says the daemon is not running when its socket is missing", async () => {
    await expect(
      verifyConnection(`qemu:///system?socket=${dir}/no-such/libvirt-sock`, 5000),
    ).rejects.toMatchObject({
      code: "LIBVIRT_DAEMON_DOWN",
      message: expect.stringContaining("start libvirtd"),
    });
  });

  it("says ssh was refused on a closed port", async () => {
    const port = await closedPort();
    await expect(
      verifyConnection(`qemu+ssh://root@127.0.0.1:${port}/system?no_tty=1`, 10000),
    ).rejects.toMatchObject({
      code: "CONNECTION_REFUSED",
      message: expect.stringContaining(`port ${port}: Connection refused`),
    });
  });

  it("times out on a transport that never answers, and leaves no process behind", async () => {
    const marker = `gfims-hang-${process.pid}`;
    const wrapper = path.join(dir, "hang.sh");
    writeFileSync(wrapper, `#!/bin/sh\n# ${marker}\nsleep 300\n`);
    chmodSync(wrapper, 0o755);
    const started = Date.now();
    await expect(
      verifyConnection(`qemu+ssh://root@127.0.0.1/system?command=${wrapper}`, 1500),
    ).rejects.toMatchObject({
      code: "CONNECT_TIMEOUT",
    });
    expect(Date.now() - started).toBeLessThan(5000);
    await new Promise((r) => setTimeout(r, 200));
    expect(spawnSync("pgrep", ["-f", wrapper]).status).toBe(1);
  });

  describe("over ssh to an sshd on loopback", () => {
    let sshd: ChildProcess | undefined;
    let port = 0;
    const file = (n: string) => path.join(dir, n);
    beforeAll(async () => {
      if (!has("/usr/sbin/sshd") || process.getuid?.() !== 0) return;
      port = await closedPort();
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", file("host_key")]);
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", file("client_key")]);
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", file("other_key")]);
      writeFileSync(file("authorized_keys"), readFileSync(file("client_key.pub")));
      writeFileSync(file("sshd_config"), sshdConfig({ port, listen: "127.0.0.1", dir }));
      // sshd insists on its privilege separation directory (Debian's service would create it).
      mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
      sshd = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", file("sshd_config")], { stdio: "ignore" });
      for (let i = 0; i < 50; i++) {
        const ok = await new Promise<boolean>((r) => {
          const s = net.connect(port, "127.0.0.1", () => (s.end(), r(true)));
          s.on("error", () => r(false));
        });
        if (ok) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      // The known_hosts of this test only: the user's own files are never touched.
      writeFileSync(
        file("known_hosts"),
        `[127.0.0.1]:${port} ${readFileSync(file("host_key.pub"), "utf8")}`,
      );
      writeFileSync(file("empty_known_hosts"), "");
      for (const [name, kh] of [
        ["ssh-known.sh", "known_hosts"],
        ["ssh-unknown.sh", "empty_known_hosts"],
      ]) {
        writeFileSync(
          file(name),
          `#!/bin/sh\nexec ssh -o UserKnownHostsFile=${file(kh)} -o GlobalKnownHostsFile=/dev/null -o BatchMode=yes "$@"\n`,
        );
        chmodSync(file(name), 0o755);
      }
    });
    afterAll(() => sshd?.kill());
    const sshIt = (name: string, fn: () => Promise<void>) =>
      (has("/usr/sbin/sshd") && process.getuid?.() === 0 ? it : it.skip)(name, fn);

    sshIt("refuses a host key it does not know", async () => {
      const uri = `qemu+ssh://root@127.0.0.1:${port}/system?keyfile=${file("client_key")}&command=${file("ssh-unknown.sh")}`;
      await expect(verifyConnection(uri, 10000)).rejects.toMatchObject({
        code: "SSH_HOST_KEY",
        message: expect.stringContaining("Host key verification failed"),
      });
    });

    sshIt("refuses a host key that changed", async () => {
      // known_hosts holds another key for this host: ssh must not trust the new one.
      writeFileSync(
        file("changed_known_hosts"),
        `[127.0.0.1]:${port} ${readFileSync(file("other_key.pub"), "utf8")}`,
      );
      writeFileSync(
        file("ssh-changed.sh"),
        `#!/bin/sh\nexec ssh -o UserKnownHostsFile=${file("changed_known_hosts")} -o GlobalKnownHostsFile=/dev/null -o BatchMode=yes "$@"\n`,
      );
      chmodSync(file("ssh-changed.sh"), 0o755);
      const uri = `qemu+ssh://root@127.0.0.1:${port}/system?keyfile=${file("client_key")}&command=${file("ssh-changed.sh")}`;
      await expect(verifyConnection(uri, 10000)).rejects.toMatchObject({
        code: "SSH_HOST_KEY",
        message: expect.stringContaining("Fix: the host's ssh key is unknown or changed"),
      });
    });

    sshIt("says the login was refused for a key that is not authorized", async () => {
      const uri = `qemu+ssh://root@127.0.0.1:${port}/system?keyfile=${file("other_key")}&command=${file("ssh-known.sh")}`;
      await expect(verifyConnection(uri, 10000)).rejects.toMatchObject({
        code: "SSH_AUTH",
        message: expect.stringContaining("Permission denied (publickey"),
      });
    });
  });
});
