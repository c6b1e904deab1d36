import { writeFileSync } from "fs";
import * as machine from "../../provider/resources/machine";
import * as pool from "../../provider/resources/server-pool";
import { machineUser, poolUser } from "../../provider/resources/user";
import type { VirshRunner } from "../../provider/libvirt/connect";
import * as virt from "../../provider/resources/virtualization";
import { fakeNetwork } from "../unit/fake-network";
import { fixture } from "../support/fixtures";
import { rejection, tempDomain } from "../support/domain";
import { seedInputs } from "../support/seed";

// terraform-provider-libvirt's _Import / _ManuallyDestroyed pattern: `read` works from the ID
// alone (import, a resource got by ID), and an element removed by hand makes the resource go.

const ORIGINAL = fixture("domain.xml");
const net = fakeNetwork({}).fx;
let d: ReturnType<typeof tempDomain>;
beforeEach(() => (d = tempDomain(ORIGINAL)));
afterEach(() => d.cleanup());

// A refresh connects to the machine: here a stand-in that records the URI and sends nothing.
const uris: string[] = [];
const virsh: VirshRunner = async (args) => {
  uris.push(String(args[1]));
  return {
    code: 1,
    stdout: "",
    stderr: "error: stand-in: no connection in this test",
    timedOut: false,
  };
};

const NO_CHANGE = { changes: false, replaces: [], deleteBeforeReplace: false, diffs: [] };

/** The seed's pool on xen, office as its one machine, and a value off the default in each. */
async function seed() {
  const s = seedInputs(d.file);
  const v = await virt.create({ ...s.xen, templateCacheSize: 7 });
  const p = await pool.create({ ...s.pool, virtualization: "xen" }, net);
  const pu = await poolUser.create({ ...s.poolUser, groupId: 1002 });
  const m = await machine.create(
    { ...s.office, disksLocation: "/srv/disks", verifyConnection: false },
    net,
  );
  const mu = await machineUser.create({ ...s.machineUser, machine: "office", authMethod: "tls" });
  return { v, p, pu, m, mu };
}

describe("read from the ID alone", () => {
  it("gives back every resource's inputs from the file, with no diff against the program", async () => {
    const { v, p, pu, m, mu } = await seed();
    const rv = await virt.read(v.id, {});
    expect(rv.inputs).toEqual({
      domainXml: d.file,
      name: "xen",
      emulator: "xen",
      templateCacheSize: 7,
    });
    expect(virt.diff(v.id, rv.props as never, v.outs as never)).toEqual(NO_CHANGE);
    const rp = await pool.read(p.id, {}, net);
    expect(rp.inputs).toEqual({
      domainXml: d.file,
      virtualization: "xen",
      name: "cloud",
      subnet: "10.132.181.0/24",
      portNames: ["cscotun0", "br0"],
    });
    const rpu = await poolUser.read(pu.id, {});
    expect(rpu.inputs).toEqual({
      domainXml: d.file,
      virtualization: "xen",
      serverPool: "cloud",
      name: "cloud",
      userId: 1001,
      groupId: 1002,
    });
    const rm = await machine.read(m.id, {}, net, virsh);
    expect(rm.inputs).toMatchObject({
      domainXml: d.file,
      virtualization: "xen",
      serverPool: "cloud",
      name: "office",
      networkName: "office",
      ip: "10.132.181.57",
      disksLocation: "/srv/disks",
    });
    expect(rm.props).toMatchObject({
      ipAddress: "10.132.181.57",
      resolvedBy: "fixed",
      libvirtUri: "xen+tls://jdoe@10.132.181.57/system",
    });
    expect(uris).toEqual(["xen+tls://jdoe@10.132.181.57/system"]);
    const rmu = await machineUser.read(mu.id, {});
    expect(rmu.inputs).toEqual({
      domainXml: d.file,
      virtualization: "xen",
      serverPool: "cloud",
      machine: "office",
      name: "jdoe",
      userId: 1000,
      groupId: 1000,
      authMethod: "tls",
    });
  });

  it("makes a resource whose element was removed by hand go, from the ID or the state", async () => {
    const { m } = await seed();
    writeFileSync(d.file, d.read().replace(/\s*<machines name="office"[\s\S]*?<\/machines>/, ""));
    expect(d.read()).not.toContain("office");
    expect(await machine.read(m.id, {}, net, virsh)).toEqual({});
    expect(await machine.read(m.id, m.outs, net, virsh)).toEqual({});
  });

  it("refuses an ID of another kind instead of reading the wrong element", async () => {
    const { p } = await seed();
    const err = await rejection(machine.read(p.id, {}, net, virsh));
    expect(err.message).toBe(
      `glassfish-ims INVALID_INPUT: resource ID "${p.id}" names a server-pool element, not a machines: use <path of domain.xml>#machines/<name>`,
    );
    const user = await rejection(machineUser.read(`${d.file}#server-pool/cloud/user`, {}));
    expect(user.code).toBe("INVALID_INPUT");
  });

  it("names the expected form of a malformed ID", async () => {
    const err = await rejection(virt.read("domain.xml#pools/x", {}));
    expect(err.code).toBe("INVALID_INPUT");
    expect(err.message).toBe(
      'glassfish-ims INVALID_INPUT: resource ID "domain.xml#pools/x" must be <path of domain.xml>#<virtualization|server-pool|machines>/<name>, with /user for a PoolUser or MachineUser',
    );
  });
});
