import { writeFileSync } from "fs";
import * as machine from "../../provider/resources/machine";
import * as pool from "../../provider/resources/server-pool";
import { machineUser, poolUser } from "../../provider/resources/user";
import * as virt from "../../provider/resources/virtualization";
import { fakeNetwork } from "../unit/fake-network";
import { expectGolden, fixture } from "../support/fixtures";
import { rejection, tempDomain } from "../support/domain";
import { SEED, seedInputs } from "../support/seed";

const ORIGINAL = fixture("domain.xml");
let d: ReturnType<typeof tempDomain>;
beforeEach(() => (d = tempDomain(ORIGINAL)));
afterEach(() => d.cleanup());

const seed = () => seedInputs(d.file);
const poolArgs = () => seed().pool;
/** The seed's `office` by its fixed ip alone (a test adds its networkName where it needs it). */
const machineArgs = (extra: Partial<machine.MachineInputs> = {}) => ({
  ...seed().office,
  networkName: undefined,
  // These tests are about the XML; connectivity has its own tests (connect.test.ts).
  verifyConnection: false,
  ...extra,
});

async function seedPool() {
  await virt.create(seed().kvm);
  return (await pool.create(poolArgs())).outs;
}

describe("resources against real files", () => {
  it("refuses to delete a pool holding a machine the stack does not manage, naming it", async () => {
    const p = await seedPool();
    writeFileSync(
      d.file,
      d
        .read()
        .replace(
          "<user/>",
          '<user/>\n        <machines name="by-hand"><ip-address>10.132.181.9</ip-address></machines>',
        ),
    );
    const before = d.read();
    const err = await rejection(pool.remove("id", p));
    expect(err.code).toBe("NOT_OWNED");
    expect(err.message).toContain(
      '<server-pool name="cloud"> in ' + d.file + ' still holds <machines name="by-hand">',
    );
    // The provider cannot know whether the stack manages the machine: the fix for either case.
    expect(err.message).not.toContain("does not manage");
    expect(err.message).toContain(
      "if they are resources of this stack, give them this pool as a reference (serverPool: the resource in code, its ID in YAML",
    );
    expect(err.message).toContain(
      "if they are not, remove them (asadmin delete-machine ...) or keep the pool with retainOnDelete",
    );
    expect(d.read()).toBe(before);
  });

  it("refuses to delete a pool whose user is set by someone else", async () => {
    const p = await seedPool();
    writeFileSync(d.file, d.read().replace("<user/>", '<user name="x" user-id="1" group-id="1"/>'));
    const err = await rejection(pool.remove("id", p));
    expect(err.message).toContain('still holds <user name="x">');
  });

  it("says how to adopt an existing pool, adopts it as it is when asked, then updates it", async () => {
    await virt.create(seed().kvm);
    writeFileSync(
      d.file,
      d
        .read()
        .replace(
          'type="libvirt"/>',
          'type="libvirt">\n      <server-pool name="cloud" port-name="eth0" sub-net="10.0.0.0/8"><user name="cloud" user-id="5" group-id="5"/></server-pool>\n    </libvirt-virtualization>',
        ),
    );
    const err = await rejection(pool.create(poolArgs()));
    expect(err.code).toBe("ALREADY_EXISTS");
    expect(err.message).toContain(
      `<server-pool name="cloud"> (in <libvirt-virtualization name="kvm">) already exists in ${d.file}: set adopt: true to manage it, or choose another name`,
    );
    const before = d.read();
    const adopted = await pool.create({ ...poolArgs(), adopt: true });
    expect(d.read()).toBe(before);
    expect(adopted.outs).toMatchObject({ portNames: ["eth0"], subnet: "10.0.0.0/8" });
    await pool.update(adopted.id, adopted.outs, { ...poolArgs(), adopt: true });
    expect(d.read()).toContain(
      '<server-pool name="cloud" port-name="cscotun0;br0" sub-net="10.132.181.0/24"><user name="cloud" user-id="5" group-id="5"/></server-pool>',
    );
  });

  it("names the missing parent", async () => {
    const err = await rejection(pool.create(poolArgs()));
    expect(err.code).toBe("PARENT_NOT_FOUND");
    expect(err.message).toContain(`virtualization "kvm" is not in ${d.file}: create it first`);
    expect(d.read()).toBe(ORIGINAL);
  });

  it("checks a fixed ip against the pool's subnet in the file, writing nothing when outside", async () => {
    await seedPool();
    const before = d.read();
    const err = await rejection(machine.create(machineArgs({ ip: "192.0.2.7" })));
    expect(err.code).toBe("INVALID_INPUT");
    expect(err.message).toContain(
      `ip "192.0.2.7" of machine "office" is not a host address of server pool "cloud" (sub-net 10.132.181.0/24 in ${d.file})`,
    );
    expect(d.read()).toBe(before);
  });

  it("keeps GlassFish's child order when a machine switches from ip to mac and back", async () => {
    await seedPool();
    const created = (await machine.create(machineArgs({ networkName: "office" }))).outs;
    const fixed = d.read();
    await machineUser.create({ ...seed().machineUser, machine: "office" });
    const withUser = d.read();
    const net = fakeNetwork({ [SEED.cloud1Mac]: SEED.cloud1Ip });
    const moved = await machine.update(
      "id",
      created,
      machineArgs({ ip: undefined, mac: SEED.cloud1Mac, networkName: "office" }),
      net.fx,
    );
    expect(d.read()).toContain(
      '<machines name="office">\n          <network-name>office</network-name>\n          <mac-address>00:1c:c4:9f:e9:3b</mac-address>\n          <user name="jdoe" user-id="1000" group-id="1000"/>\n        </machines>',
    );
    expect(moved.outs).toMatchObject({ resolvedBy: "mac", ipAddress: "10.132.181.23" });
    await machine.update("id", moved.outs, machineArgs({ networkName: "office" }));
    expect(d.read()).toBe(withUser);
    await machineUser.remove("id", { domainXml: d.file, machine: "office" } as never);
    expect(d.read()).toBe(fixed);
  });

  it("reads a hand-edited machine back as drift", async () => {
    await seedPool();
    const { outs } = await machine.create(machineArgs());
    writeFileSync(d.file, d.read().replace("10.132.181.57", "10.132.181.58"));
    const r = await machine.read("id", outs);
    expect(r.inputs?.ip).toBe("10.132.181.58");
    expect(r.props?.ipAddress).toBe("10.132.181.58");
  });

  it("sets the pool user once, says how to adopt, and empties it on delete", async () => {
    await seedPool();
    const before = d.read();
    const u = seed().poolUser;
    const { outs } = await poolUser.create(u);
    expect(d.read()).toContain('<user name="cloud" user-id="1001" group-id="1001"/>');
    const err = await rejection(poolUser.create({ ...u, name: "other" }));
    expect(err.code).toBe("ALREADY_EXISTS");
    await poolUser.remove("id", outs);
    expect(d.read()).toBe(before);
  });

  it("gives back a pre-existing virtualization byte for byte after a pool came and went", async () => {
    const dt = tempDomain(fixture("doctype.xml"));
    try {
      // The fixture is stamped by GlassFish 3.1, which has no IMS: refused unless allowed.
      const refused = await rejection(
        pool.create({ ...poolArgs(), domainXml: dt.file, virtualization: "legacy" }),
      );
      expect(refused.code).toBe("GLASSFISH_WITHOUT_IMS");
      expect(dt.read()).toBe(fixture("doctype.xml"));
      const { outs } = await pool.create({
        ...poolArgs(),
        domainXml: dt.file,
        virtualization: "legacy",
        allowUnsupportedGlassFish: true,
      });
      expect(dt.read()).toContain(
        '\t\t\t<template name="ubuntu" location="/srv/ubuntu"/>\n\t\t\t<server-pool name="cloud" port-name="cscotun0;br0" sub-net="10.132.181.0/24">\n\t\t\t\t<user/>\n\t\t\t</server-pool>\n',
      );
      await pool.remove("id", outs);
      expect(dt.read()).toBe(fixture("doctype.xml"));
    } finally {
      dt.cleanup();
    }
  });
});

describe("golden: the seed tree in a real-size domain.xml", () => {
  it("writes exactly the golden file and gives back the original on delete", async () => {
    const s = seed();
    await virt.create(s.kvm);
    const p = (await pool.create(s.pool)).outs;
    const u = (await poolUser.create(s.poolUser)).outs;
    const ms = [];
    for (const m of [s.local, s.cloud1, s.office]) {
      const net = fakeNetwork({ [SEED.cloud1Mac]: SEED.cloud1Ip });
      ms.push((await machine.create({ ...m, verifyConnection: false }, net.fx)).outs);
    }
    const mu = (await machineUser.create(s.machineUser)).outs;
    expectGolden("domain-seeded.xml", d.read());
    // SPEC §3: local connects locally; the others as the pool user over ssh.
    expect(ms.map((m) => m.libvirtUri)).toEqual([
      "qemu:///system",
      "qemu+ssh://cloud@10.132.181.23/system",
      "qemu+ssh://cloud@10.132.181.57/system",
    ]);
    await machineUser.remove("id", mu);
    for (const m of ms) await machine.remove("id", m);
    await poolUser.remove("id", u);
    await pool.remove("id", p);
    await virt.remove("id", { domainXml: d.file, name: "kvm" } as never);
    expect(d.read()).toBe(ORIGINAL);
  });

  it("takes a connection string with an explicit port: check passes, machines expand it", async () => {
    const template = "qemu+tcp://#{target.host}:16509/system";
    const checked = await virt.check(
      {},
      { domainXml: d.file, name: "kvm", connectionString: template },
    );
    expect(checked.failures).toEqual([]);
    await virt.create(checked.inputs as unknown as virt.VirtualizationInputs);
    await pool.create(poolArgs());
    const uris = [];
    for (const m of [seed().local, seed().office]) {
      const args = { ...m, verifyConnection: false, poolSubnet: SEED.subnet };
      expect((await machine.check({}, args)).failures).toEqual([]);
      uris.push((await machine.create(args)).outs.libvirtUri);
    }
    // libvirt reads the empty host of the localhost machine's URI as localhost.
    expect(uris).toEqual(["qemu+tcp://:16509/system", "qemu+tcp://10.132.181.57:16509/system"]);
  });
});
