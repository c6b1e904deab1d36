import { writeFileSync } from "fs";
import * as machine from "../../provider/resources/machine";
import * as pool from "../../provider/resources/server-pool";
import * as virt from "../../provider/resources/virtualization";
import { fixture } from "../support/fixtures";
import { rejection, tempDomain } from "../support/domain";
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

  const seed = async () => {
    const v = await virt.create({
      domainXml: d.file,
      name: "kvm",
      emulator: "kvm",
      ...target.inputs(),
    });
    const p = await pool.create({
      domainXml: d.file,
      virtualization: "kvm",
      name: "cloud",
      subnet: "10.132.181.0/24",
      portNames: ["br0"],
      ...target.inputs(),
    });
    const m = await machine.create({
      domainXml: d.file,
      serverPool: "cloud",
      name: "office",
      ip: "10.132.181.57",
      verifyConnection: false,
      ...target.inputs(),
    });
    return { v: v.outs, p: p.outs, m: m.outs };
  };

  it("refuses to delete a virtualization holding a pool by hand, naming the file", async () => {
    const { v } = await seed();
    plant(
      'type="libvirt">',
      '<server-pool name="by-hand" sub-net="10.0.0.0/8"><user/></server-pool>',
    );
    const before = d.read();
    const err = await rejection(virt.remove("id", v));
    expect(err.code).toBe("NOT_OWNED");
    expect(err.message).toContain(
      `NOT_OWNED: <libvirt-virtualization name="kvm"> in ${target.shown(d.file)} still holds <server-pool name="by-hand">, <server-pool name="cloud">, which must go first`,
    );
    expect(d.read()).toBe(before);
  });

  it("refuses to delete a pool holding a machine by hand, naming the file", async () => {
    const { p } = await seed();
    plant("<user/>", '<machines name="by-hand"><ip-address>10.132.181.9</ip-address></machines>');
    const before = d.read();
    const err = await rejection(pool.remove("id", p));
    expect(err.code).toBe("NOT_OWNED");
    expect(err.message).toContain(
      `NOT_OWNED: <server-pool name="cloud"> in ${target.shown(d.file)} still holds <machines name="by-hand">, <machines name="office">, which must go first`,
    );
    expect(d.read()).toBe(before);
  });

  it("refuses to delete a machine holding a user by hand, naming the file", async () => {
    const { m } = await seed();
    plant('<machines name="office">', '<user name="jdoe" user-id="1000" group-id="1000"/>');
    const before = d.read();
    const err = await rejection(machine.remove("id", m));
    expect(err.code).toBe("NOT_OWNED");
    expect(err.message).toContain(
      `NOT_OWNED: <machines name="office"> in ${target.shown(d.file)} still holds <user name="jdoe">, which must go first`,
    );
    expect(d.read()).toBe(before);
  });

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
