import {
  classify,
  parseReport,
  redact,
  verifyConnection,
  type VirshRun,
} from "../../provider/libvirt/connect";

const fail = (stderr: string, extra: Partial<VirshRun> = {}): VirshRun => ({
  code: 1,
  stdout: "",
  stderr,
  timedOut: false,
  ...extra,
});
const URI = "qemu+ssh://cloud@10.132.181.23/system";

describe("libvirt connection report", () => {
  it("reads host name and versions from virsh", () => {
    const out =
      "vm\nCompiled against library: libvirt 9.0.0\nUsing library: libvirt 9.0.0\nUsing API: QEMU 9.0.0\nRunning hypervisor: QEMU 7.2.0\n";
    expect(parseReport(URI, out)).toEqual({
      uri: URI,
      hostname: "vm",
      libvirtVersion: "9.0.0",
      hypervisorType: "QEMU",
      hypervisorVersion: "7.2.0",
    });
  });

  it("never shows a password in a URI", () => {
    expect(redact("qemu+ssh://cloud:s3cret@10.0.0.5/system")).toBe(
      "qemu+ssh://cloud@10.0.0.5/system",
    );
    expect(redact("qemu:///system")).toBe("qemu:///system");
  });

  it.each([
    [
      "error: failed to connect to the hypervisor\nerror: Cannot recv data: Host key verification failed.: Connection reset by peer",
      "SSH_HOST_KEY",
    ],
    [
      "error: Cannot recv data: cloud@10.132.181.23: Permission denied (publickey,password).: Connection reset by peer",
      "SSH_AUTH",
    ],
    [
      "error: Cannot recv data: ssh: connect to host 10.132.181.23 port 22: Connection refused: Connection reset by peer",
      "CONNECTION_REFUSED",
    ],
    [
      "error: Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory",
      "LIBVIRT_DAEMON_DOWN",
    ],
    [
      "error: Failed to connect socket to '/var/run/libvirt/libvirt-sock': Permission denied",
      "LIBVIRT_SOCKET_PERMISSION",
    ],
    ["error: something new", "LIBVIRT_ERROR"],
  ])("classifies %j as %s", (stderr, code) => {
    const e = classify(URI, fail(stderr), 1000);
    expect(e.code).toBe(code);
    expect(e.message).toContain(`cannot connect to ${URI}: `);
  });

  it("says what timed out", () => {
    expect(
      classify("qemu+ssh://cloud:pw@h/system", fail("", { timedOut: true }), 1500).message,
    ).toBe(
      "glassfish-ims CONNECT_TIMEOUT: connecting to qemu+ssh://cloud@h/system took longer than 1500 ms: the machine, its sshd or its libvirt daemon does not answer; check that it is up and reachable, or raise connectTimeoutMs",
    );
  });

  it("passes the URI to virsh as one argument, never through a shell", async () => {
    const seen: string[][] = [];
    await verifyConnection("test:///default", 100, async (args) => {
      seen.push([...args]);
      return {
        code: 0,
        stdout: "h\nUsing library: libvirt 9.0.0\nRunning hypervisor: TEST 0.0.2\n",
        stderr: "",
        timedOut: false,
      };
    });
    expect(seen).toEqual([["-c", "test:///default", "-q", "hostname; version"]]);
  });
});
