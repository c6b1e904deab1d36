import * as path from "path";
import {
  DAS_IP,
  DasHostLab,
  NO_VIRSH_PORT,
  POOL_PORT_IP,
  dasHostUnavailable,
  type RunOutcome,
} from "../lab/das-host";
import { fixture } from "../support/fixtures";
import { seedInputs, withIms } from "../support/seed";

// Discovery and the libvirt check of a Machine whose domain.xml is on a DAS host reached over
// SSH run ON that host: the pool subnet here is one only the DAS host's namespace has (CI has
// no route to it), and the libvirt URI names a node file that exists only in its mount namespace.
// The provider code runs inside the CI namespace (lab.run), so every probe stays in the lab.

jest.setTimeout(180_000);

const unavailable = dasHostUnavailable();
if (unavailable) console.warn(`SKIPPED remote discovery tests: ${unavailable}`);

const DIST = path.join(__dirname, "..", "..", "dist", "provider");
const MAC = "02:31:09:00:00:23";
const MACHINE_IP = "10.231.9.23";
const DOMAIN = "/srv/glassfish/domains/d1/config/domain.xml";
const CACHE = "/srv/glassfish/domains/d1/virt/cache/cloud.cache";
/** A libvirt test-driver node that exists only in the DAS host's /srv (a tmpfs of its own). */
const NODE = "/srv/gfims-node.xml";
/** The seed pool's network here: a subnet only the DAS host has, through its port `pool0`. */
const POOL_NET = { subnet: "10.231.9.0/24", portNames: ["cscotun0", "pool0"] };

/** The fixture domain with a pool on the DAS host's private subnet, through `pool0`. */
function domainWith(connectionString: string): string {
  return withIms(fixture("domain.xml"), {
    attributes: { "connection-string": connectionString },
    ...POOL_NET,
  });
}

(unavailable ? describe.skip : describe)(
  "discovery and the libvirt check on a remote DAS host",
  () => {
    let lab: DasHostLab;
    beforeAll(async () => {
      lab = await DasHostLab.create();
      lab.addPoolHost(MACHINE_IP, MAC);
      await lab.addSshdWithoutVirsh();
      lab.putFile(
        NODE,
        '<node>\n  <domain type="test"><name>das-only</name><memory>8192</memory><os><type>hvm</type></os></domain>\n</node>\n',
      );
    });
    afterAll(() => lab?.destroySync());

    const connection = (port = 22) => ({
      host: DAS_IP,
      port,
      privateKey: lab.key.privateKey,
      hostKey: lab.hostKey,
    });
    /** Calls `module.fn(...args)` of dist/provider/<module> inside the CI namespace. */
    const call = (module: string, fn: string, args: unknown[]): Promise<RunOutcome> =>
      lab.run("return await require(vars.file)[vars.fn](...vars.args);", {
        file: path.join(DIST, module),
        fn,
        args,
      });
    const machine = (extra: object, port = 22) => ({
      domainXml: DOMAIN,
      serverPool: "cloud",
      name: "m1",
      mac: MAC,
      discoveryTimeoutMs: 6000,
      connection: connection(port),
      ...extra,
    });

    it("CI has no route to the pool subnet: its own sweep finds no port there", async () => {
      const r = await call("net/sweep", "discoverMac", [
        MAC,
        { name: "cloud", ...POOL_NET },
        { budgetMs: 1000 },
      ]);
      expect(r.error?.code).toBe("NO_PORT_ON_SUBNET");
    });

    it("finds a machine by its MAC from the DAS host's port, writes its IP cache there, and refreshes", async () => {
      lab.putFile(DOMAIN, domainWith("test:///default"));
      const r = await call("resources/machine", "create", [machine({ verifyConnection: false })]);
      expect(r.error).toBeUndefined();
      expect((r.value as { outs: object }).outs).toMatchObject({
        ipAddress: MACHINE_IP,
        resolvedBy: "mac",
        discoveredVia: `pool0 (${POOL_PORT_IP})`,
      });
      expect(lab.readFile(DOMAIN).toString()).toContain(
        `<machines name="m1">\n          <mac-address>${MAC}</mac-address>\n        </machines>`,
      );
      expect(lab.readFile(CACHE).toString()).toBe(`m1=${MACHINE_IP}\n`);
      // A refresh looks again, from the DAS host too.
      const outs = (r.value as { outs: object }).outs;
      const read = await call("resources/machine", "read", ["m1", outs]);
      expect((read.value as { props: object }).props).toMatchObject({
        ipAddress: MACHINE_IP,
        resolvedBy: "mac",
        discoveredVia: `pool0 (${POOL_PORT_IP})`,
      });
    });

    it("outputs the DAS host's own address on the pool subnet for a ServerPool", async () => {
      lab.putFile(DOMAIN, domainWith("test:///default"));
      const r = await call("resources/server-pool", "create", [
        { ...seedInputs(DOMAIN, POOL_NET).pool, name: "cloud2", connection: connection() },
      ]);
      expect((r.value as { outs: object }).outs).toMatchObject({
        dasAddress: POOL_PORT_IP,
        dasPort: "pool0",
      });
    });

    it("checks the libvirt connection with virsh on the DAS host", async () => {
      // The node file is only in the DAS host's mount namespace: virsh in CI cannot open it.
      const here = await call("libvirt/connect", "verifyConnection", [`test://${NODE}`, 10000]);
      expect(here.error?.code).toBe("LIBVIRT_ERROR");
      expect(here.error?.message).toContain(`failed to parse xml document '${NODE}'`);
      lab.putFile(DOMAIN, domainWith(`test://${NODE}`));
      const r = await call("resources/machine", "create", [machine({})]);
      expect(r.error).toBeUndefined();
      expect((r.value as { outs: object }).outs).toMatchObject({
        ipAddress: MACHINE_IP,
        hypervisorType: "TEST",
        libvirtVersion: expect.stringMatching(/^\d+\.\d+\.\d+$/),
      });
    });

    it("reports a libvirt connection that hangs past connectTimeoutMs as CONNECT_TIMEOUT", async () => {
      // Nobody has 10.231.9.99 on the DAS host's pool link: the TCP connect waits for ARP.
      lab.putFile(DOMAIN, domainWith("qemu+tcp://10.231.9.99/system"));
      const r = await call("resources/machine", "create", [
        machine({ mac: undefined, ip: "10.231.9.99", connectTimeoutMs: 1500 }),
      ]);
      expect(r.error?.code).toBe("CONNECT_TIMEOUT");
      expect(r.error?.message).toContain(
        "connecting to qemu+tcp://10.231.9.99/system took longer than 1500 ms",
      );
    });

    it("finds the machine through a DAS host without virsh, then refuses clearly, writing nothing", async () => {
      const before = domainWith("test:///default");
      lab.putFile(DOMAIN, before);
      const r = await call("resources/machine", "create", [machine({}, NO_VIRSH_PORT)]);
      expect(r.error?.code).toBe("DAS_HOST_TOOL_MISSING");
      expect(lab.readFile(DOMAIN).toString()).toBe(before);
    });

    it("refuses clearly on a DAS host without virsh, and writes nothing", async () => {
      const before = domainWith("test:///default");
      lab.putFile(DOMAIN, before);
      const r = await call("resources/machine", "create", [
        machine({ mac: undefined, ip: MACHINE_IP }, NO_VIRSH_PORT),
      ]);
      expect(r.error?.code).toBe("DAS_HOST_TOOL_MISSING");
      expect(r.error?.message).toContain(
        `checking the libvirt connection runs virsh on the DAS host root@${DAS_IP}:${NO_VIRSH_PORT}, which it does not have`,
      );
      expect(r.error?.message).toContain("install libvirt-clients there");
      expect(lab.readFile(DOMAIN).toString()).toBe(before);
    });
  },
);
