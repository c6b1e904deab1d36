import { spawnSync } from "child_process";
import * as machine from "../../provider/resources/machine";
import * as pool from "../../provider/resources/server-pool";
import * as virt from "../../provider/resources/virtualization";
import { fixture } from "../unit/helpers";
import { rejection, tempDomain } from "./tmp";

const noVirsh = spawnSync("sh", ["-c", "command -v virsh"]).status !== 0;
if (noVirsh)
  console.warn("SKIPPED machine connectivity tests: virsh (libvirt-clients) is not installed");

(noVirsh ? describe.skip : describe)(
  "Machine: the libvirt connectivity check, for real (SPEC §5)",
  () => {
    let d: ReturnType<typeof tempDomain>;
    beforeEach(() => (d = tempDomain(fixture("domain.xml"))));
    afterEach(() => d.cleanup());

    async function seed(connectionString: string): Promise<void> {
      await virt.create({ domainXml: d.file, name: "v", emulator: "kvm", connectionString });
      await pool.create({
        domainXml: d.file,
        virtualization: "v",
        name: "p",
        subnet: "10.132.181.0/24",
        portNames: ["br0"],
      });
    }
    const args = (extra: Partial<machine.MachineInputs> = {}): machine.MachineInputs => ({
      domainXml: d.file,
      serverPool: "p",
      name: "m",
      networkName: "localhost",
      ...extra,
    });

    it("reports what the hypervisor said (embedded test driver)", async () => {
      await seed("test:///default");
      const { outs } = await machine.create(args());
      expect(outs).toMatchObject({
        libvirtUri: "test:///default",
        hostname: expect.any(String),
        hypervisorType: "TEST",
        libvirtVersion: expect.stringMatching(/^\d+\.\d+\.\d+$/),
      });
    });

    it("writes nothing when the check fails on create, naming the URI and the fix", async () => {
      await seed("qemu:///system?socket=/nonexistent/libvirt-sock");
      const before = d.read();
      const err = await rejection(machine.create(args()));
      expect(err.code).toBe("LIBVIRT_DAEMON_DOWN");
      expect(err.message).toContain(
        "cannot connect to qemu:///system?socket=/nonexistent/libvirt-sock: Failed to connect socket",
      );
      expect(err.message).toContain("Fix: the libvirt daemon is not running there");
      expect(d.read()).toBe(before);
    });

    it("keeps the old element when the check fails on update", async () => {
      await seed("qemu:///system?socket=/nonexistent/libvirt-sock");
      const { outs } = await machine.create(
        args({ verifyConnection: false, disksLocation: "/srv/a" }),
      );
      const before = d.read();
      const err = await rejection(machine.update("id", outs, args({ disksLocation: "/srv/b" })));
      expect(err.code).toBe("LIBVIRT_DAEMON_DOWN");
      expect(d.read()).toBe(before);
    });

    it("shows a broken connection on refresh as connectionError instead of failing", async () => {
      await seed("qemu:///system?socket=/nonexistent/libvirt-sock");
      const { outs } = await machine.create(args({ verifyConnection: false }));
      const r = await machine.read("id", { ...outs, verifyConnection: true });
      expect(r.props?.connectionError).toContain("glassfish-ims LIBVIRT_DAEMON_DOWN");
    });
  },
);
