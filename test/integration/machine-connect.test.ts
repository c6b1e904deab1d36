import { spawnSync } from "child_process";
import { chmodSync, existsSync, writeFileSync } from "fs";
import * as path from "path";
import * as machine from "../../provider/resources/machine";
import * as pool from "../../provider/resources/server-pool";
import * as virt from "../../provider/resources/virtualization";
import { fixture } from "../support/fixtures";
import { rejection, tempDomain } from "../support/domain";

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
      const err = await rejection(machine.create(args({ allowUriCommand: true })));
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
        args({ verifyConnection: false, disksLocation: "/srv/a", allowUriCommand: true }),
      );
      const before = d.read();
      const err = await rejection(
        machine.update("id", outs, args({ disksLocation: "/srv/b", allowUriCommand: true })),
      );
      expect(err.code).toBe("LIBVIRT_DAEMON_DOWN");
      expect(d.read()).toBe(before);
    });

    it("shows a broken connection on refresh as connectionError instead of failing", async () => {
      await seed("qemu:///system?socket=/nonexistent/libvirt-sock");
      const { outs } = await machine.create(
        args({ verifyConnection: false, allowUriCommand: true }),
      );
      const r = await machine.read("id", { ...outs, verifyConnection: true });
      expect(r.props?.connectionError).toContain("glassfish-ims LIBVIRT_DAEMON_DOWN");
    });

    describe("a template from domain.xml that runs a program (command=)", () => {
      let marker: string;
      let template: string;
      beforeEach(() => {
        // The "program" proves it ran by creating the marker; virsh then fails to talk to it.
        marker = path.join(d.dir, "ran");
        const program = path.join(d.dir, "evil.sh");
        writeFileSync(
          program,
          `#!/bin/sh
touch ${marker}
exit 1
`,
        );
        chmodSync(program, 0o755);
        template = `qemu+ssh://root@127.0.0.1/system?command=${program}&password=Hunter3PW`;
      });

      it("is refused on create without allowUriCommand: nothing runs, nothing is written", async () => {
        await seed(template);
        const before = d.read();
        const err = await rejection(machine.create(args()));
        expect(err.code).toBe("URI_NOT_ALLOWED");
        expect(err.message).toBe(
          `glassfish-ims URI_NOT_ALLOWED: the connection string of machine "m" (qemu+ssh://root@127.0.0.1/system?command=${path.join(d.dir, "evil.sh")}&password=***, read from ${d.file}) uses command=, which makes the DAS run a program or open a local file named by domain.xml: set allowUriCommand: true on the machine if you wrote that template, or remove it from the file`,
        );
        expect(existsSync(marker)).toBe(false);
        expect(d.read()).toBe(before);
      });

      it("is refused on refresh (planted after create) and shows as connectionError", async () => {
        await seed("test:///default");
        const { outs } = await machine.create(args());
        writeFileSync(d.file, d.read().replace("test:///default", template.replace(/&/g, "&amp;")));
        const r = await machine.read("id", outs);
        expect(r.props?.connectionError).toMatch(/^glassfish-ims URI_NOT_ALLOWED: /);
        expect(r.props?.libvirtUri).toBe(template.replace("Hunter3PW", "***"));
        expect(existsSync(marker)).toBe(false);
      });

      it("runs when the program allows it with allowUriCommand: true", async () => {
        await seed(template);
        const err = await rejection(machine.create(args({ allowUriCommand: true })));
        expect(err.code).toBe("LIBVIRT_ERROR");
        expect(err.message).not.toContain("Hunter3PW");
        expect(existsSync(marker)).toBe(true);
      });
    });
  },
);
