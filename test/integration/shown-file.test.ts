import { writeFileSync } from "fs";
import * as machine from "../../provider/resources/machine";
import * as pool from "../../provider/resources/server-pool";
import * as virt from "../../provider/resources/virtualization";
import { fixture } from "../support/fixtures";
import { rejection, tempDomain } from "../support/domain";
import { seedInputs } from "../support/seed";
import { storeTargets } from "../support/targets";

// The refusals of an edit that meets elements the resource does not own, misses its own, or
// finds the file's values at odds with the inputs: each names the file as the other messages
// do, with the DAS host it is on.
const ORIGINAL = fixture("domain.xml");
let d: ReturnType<typeof tempDomain>;
beforeEach(() => (d = tempDomain(ORIGINAL)));
afterEach(() => d.cleanup());

/** Puts `extra` inside the first element `after` opens (the text of its opening tag). */
const plant = (after: string, extra: string) => {
  const text = d.read();
  const at = text.indexOf(after);
  if (at < 0) throw new Error(`${after} is not in the file`);
  writeFileSync(d.file, text.slice(0, at + after.length) + extra + text.slice(at + after.length));
};

describe.each(storeTargets())("refusals naming the file through the $name effects", (target) => {
  beforeAll(() => target.start(), 60_000);
  if (target.name === "ssh") jest.setTimeout(60_000);
  afterAll(() => target.stop());

  // The seed's kvm, cloud and office (test/support/seed.ts), on the target's host.
  const seed = async () => {
    const s = seedInputs(d.file);
    const on = target.inputs();
    const v = await virt.create({ ...s.kvm, ...on });
    const p = await pool.create({ ...s.pool, ...on });
    const m = await machine.create({ ...s.office, verifyConnection: false, ...on });
    return { v: v.outs, p: p.outs, m: m.outs };
  };
  type Seeded = Awaited<ReturnType<typeof seed>>;

  it.each([
    {
      what: "a virtualization holding a pool",
      remove: (o: Seeded) => virt.remove("id", o.v),
      after: 'type="libvirt">',
      extra: '<server-pool name="by-hand" sub-net="10.0.0.0/8"><user/></server-pool>',
      holds: (file: string) =>
        `<libvirt-virtualization name="kvm"> in ${file} still holds <server-pool name="by-hand">, <server-pool name="cloud">`,
    },
    {
      what: "a pool holding a machine",
      remove: (o: Seeded) => pool.remove("id", o.p),
      after: "<user/>",
      extra: '<machines name="by-hand"><ip-address>10.132.181.9</ip-address></machines>',
      holds: (file: string) =>
        `<server-pool name="cloud"> in ${file} still holds <machines name="by-hand">, <machines name="office">`,
    },
    {
      what: "a machine holding a user",
      remove: (o: Seeded) => machine.remove("id", o.m),
      after: '<machines name="office">',
      extra: '<user name="jdoe" user-id="1000" group-id="1000"/>',
      holds: (file: string) => `<machines name="office"> in ${file} still holds <user name="jdoe">`,
    },
  ])(
    "refuses to delete $what by hand, naming the file",
    async ({ remove, after, extra, holds }) => {
      const seeded = await seed();
      plant(after, extra);
      const before = d.read();
      const err = await rejection(remove(seeded));
      expect(err.code).toBe("NOT_OWNED");
      expect(err.message).toContain(
        `NOT_OWNED: ${holds(target.shown(d.file))}, which must go first`,
      );
      expect(d.read()).toBe(before);
    },
  );

  it("says a virtualization removed by hand is gone from the file, naming it", async () => {
    const { v } = await seed();
    writeFileSync(d.file, ORIGINAL);
    const err = await rejection(
      virt.update("id", v, {
        domainXml: d.file,
        name: "kvm",
        emulator: "qemu",
        ...target.inputs(),
      }),
    );
    expect(err.code).toBe("NOT_OWNED");
    expect(err.message).toBe(
      `glassfish-ims NOT_OWNED: <libvirt-virtualization name="kvm"> is gone from ${target.shown(d.file)}: run pulumi refresh, then pulumi up to recreate it`,
    );
    expect(d.read()).toBe(ORIGINAL);
  });

  it("says a machine removed by hand is gone from the file, naming it", async () => {
    const { m } = await seed();
    const seeded = d.read();
    writeFileSync(d.file, seeded.replace(/<machines name="office">[\s\S]*?<\/machines>/, ""));
    const before = d.read();
    expect(before).not.toContain('<machines name="office">');
    const err = await rejection(
      machine.update("id", m, {
        domainXml: d.file,
        serverPool: "cloud",
        name: "office",
        ip: "10.132.181.58",
        verifyConnection: false,
        ...target.inputs(),
      }),
    );
    expect(err.code).toBe("PARENT_NOT_FOUND");
    expect(err.message).toBe(
      `glassfish-ims PARENT_NOT_FOUND: machine "office" is gone from ${target.shown(d.file)}: run pulumi refresh, then pulumi up to recreate it`,
    );
    expect(d.read()).toBe(before);
  });

  it("refuses a fixed ip outside the pool's sub-net, naming the file", async () => {
    await seed();
    const before = d.read();
    const err = await rejection(
      machine.create({
        domainXml: d.file,
        serverPool: "cloud",
        name: "lab",
        ip: "192.0.2.7",
        verifyConnection: false,
        ...target.inputs(),
      }),
    );
    expect(err.code).toBe("INVALID_INPUT");
    expect(err.message).toBe(
      `glassfish-ims INVALID_INPUT: ip "192.0.2.7" of machine "lab" is not a host address of server pool "cloud" (sub-net 10.132.181.0/24 in ${target.shown(d.file)})`,
    );
    expect(d.read()).toBe(before);
  });

  it("refuses a connection string that runs a program, naming the file it was read from", async () => {
    const template = "qemu+ssh://root@127.0.0.1/system?command=/nonexistent/evil.sh";
    await virt.create({
      domainXml: d.file,
      name: "v",
      emulator: "kvm",
      connectionString: template,
      ...target.inputs(),
    });
    await pool.create({
      domainXml: d.file,
      virtualization: "v",
      name: "p",
      subnet: "10.132.181.0/24",
      portNames: ["br0"],
      ...target.inputs(),
    });
    const before = d.read();
    const err = await rejection(
      machine.create({
        domainXml: d.file,
        serverPool: "p",
        name: "m",
        networkName: "localhost",
        ...target.inputs(),
      }),
    );
    expect(err.code).toBe("URI_NOT_ALLOWED");
    expect(err.message).toBe(
      `glassfish-ims URI_NOT_ALLOWED: the connection string of machine "m" (${template}, read from ${target.shown(d.file)}) uses command=, which makes the DAS run a program or open a local file named by domain.xml: set allowUriCommand: true on the machine if you wrote that template, or remove it from the file`,
    );
    expect(d.read()).toBe(before);
  });
});
