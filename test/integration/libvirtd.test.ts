import { execFile } from "child_process";
import { verifyConnection, type VirshRunner } from "../../provider/libvirt/connect";
import { libvirtdUnavailable, TestLibvirtd } from "../lab/libvirtd";

jest.setTimeout(120_000);

const unavailable = libvirtdUnavailable();
if (unavailable) console.warn(`SKIPPED real libvirtd tests: ${unavailable}`);

(unavailable ? describe.skip : describe)(
  "a real libvirtd (qemu driver), started by the test",
  () => {
    let daemon: TestLibvirtd;
    beforeAll(async () => (daemon = await TestLibvirtd.start()));
    afterAll(() => daemon?.stop());

    it("is verified over qemu:///system: host name, libvirt and QEMU versions", async () => {
      // The first connection to a fresh daemon probes QEMU (several seconds).
      expect(await verifyConnection(daemon.uri, 60_000)).toMatchObject({
        uri: daemon.uri,
        hypervisorType: "QEMU",
        hypervisorVersion: expect.stringMatching(/^\d+\.\d+/),
        libvirtVersion: expect.stringMatching(/^\d+\.\d+\.\d+$/),
      });
    });

    it("says a user who may not use the system socket should use /session or the libvirt group", async () => {
      // virsh run as nobody (uid 65534): the daemon's socket is root's only.
      const asNobody: VirshRunner = (args, timeoutMs) =>
        new Promise((resolve) => {
          execFile(
            "virsh",
            [...args],
            { uid: 65534, gid: 65534, timeout: timeoutMs },
            (err, stdout, stderr) =>
              resolve({ code: err ? 1 : 0, stdout, stderr, timedOut: false }),
          );
        });
      await expect(verifyConnection(daemon.uri, 30_000, asNobody)).rejects.toMatchObject({
        code: "LIBVIRT_SOCKET_PERMISSION",
        message: expect.stringContaining(
          "connect to /session instead, or add the user to the libvirt group",
        ),
      });
    });

    it("defines and lists a tiny TCG domain", () => {
      const xml = require("path").join(daemon.dir, "tiny.xml");
      require("fs").writeFileSync(
        xml,
        "<domain type='qemu'><name>gfims-tiny</name><memory unit='MiB'>32</memory><os><type arch='x86_64'>hvm</type></os></domain>\n",
      );
      daemon.virsh("define", xml);
      try {
        expect(daemon.virsh("list", "--all", "--name").split("\n")).toContain("gfims-tiny");
      } finally {
        daemon.virsh("undefine", "gfims-tiny");
      }
    });
  },
);
