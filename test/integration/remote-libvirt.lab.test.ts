import { Lab, labUnavailable } from "../lab/lab";
import { libvirtdUnavailable } from "../lab/libvirtd";
import { fixture } from "../support/fixtures";
import { tempDomain } from "../support/domain";
import { SEED, seedInputs, withIms } from "../support/seed";

jest.setTimeout(180_000);

const unavailable = labUnavailable() ?? libvirtdUnavailable();
if (unavailable) console.warn(`SKIPPED remote libvirt tests: ${unavailable}`);

(unavailable ? describe.skip : describe)(
  "a remote machine over qemu+ssh, in the network lab",
  () => {
    let lab: Lab;
    let ssh: { command: string; keyfile: string };
    beforeAll(async () => {
      lab = await Lab.create({
        prefix: 24,
        ports: [{ name: "br0", cidr: "10.132.181.1/24" }],
        hosts: [{ name: "cloud-1", ip: SEED.cloud1Ip, mac: SEED.cloud1Mac }],
      });
      ssh = await lab.serveLibvirtOverSsh("cloud-1");
    });
    afterAll(() => lab?.destroySync());

    const inLab = (request: object) => lab.request(request);

    it("connects from the DAS namespace and reads the remote hypervisor", async () => {
      const uri = `qemu+ssh://root@10.132.181.23/system?keyfile=${ssh.keyfile}&command=${ssh.command}`;
      const r = await inLab({ op: "connect", uri, timeoutMs: 60_000 });
      expect(r.error).toBeUndefined();
      expect(r.value).toMatchObject({ uri, hypervisorType: "QEMU" });
    });

    it("finds a machine by MAC, then verifies it over qemu+ssh as the pool user, before writing", async () => {
      const template = `qemu#{auth.sep}#{auth.method}://#{user.name}@#{target.host}/system?keyfile=${ssh.keyfile}&command=${ssh.command}`;
      const d = tempDomain(
        withIms(fixture("domain.xml"), {
          attributes: { "connection-string": template },
          user: { name: "root", userId: 0, groupId: 0 },
        }),
      );
      try {
        const r = await inLab({
          op: "create",
          args: [{ ...seedInputs(d.file).cloud1, connectTimeoutMs: 60_000, allowUriCommand: true }],
        });
        expect(r.error).toBeUndefined();
        expect(r.value?.outs).toMatchObject({
          ipAddress: "10.132.181.23",
          resolvedBy: "mac",
          libvirtUri: `qemu+ssh://root@10.132.181.23/system?keyfile=${ssh.keyfile}&command=${ssh.command}`,
          hypervisorType: "QEMU",
          hostname: expect.any(String),
        });
        expect(d.read()).toContain('<machines name="cloud-1">');
      } finally {
        d.cleanup();
      }
    });
  },
);
