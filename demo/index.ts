// The demo stacks (the top-level Pulumi.yaml), run by scripts/demo.sh on a demo GlassFish domain
// inside the project. The engine runs this program and its provider in dist/demo: the path is
// relative to that, so neither a stack file nor the state holds a path of the machine it ran on.
//
// Stack `demo`: the whole main job on libvirt's embedded test driver (test:///default, no daemon,
// no network): a virtualization, a server pool, its user, a localhost machine and a fixed-IP
// machine whose libvirt connections are really checked, and a machine user.
// Stack `demo-lab` (`npm run demo -- lab`, run as the DAS inside a network namespace lab): the
// same, plus a machine found on the pool subnet by its MAC.
import { spawnSync } from "child_process";
import * as pulumi from "@pulumi/pulumi";
import * as ims from "../sdk";

// The connection check runs virsh. Without it (libvirt-clients; `npm run demo` installs it as
// root with apt-get) the demo still writes everything, and says the connections went unchecked.
const verifyConnection = spawnSync("virsh", ["--version"]).status === 0;
if (!verifyConnection) {
  pulumi.log.warn(
    "virsh (Debian package libvirt-clients) is not installed: the machines' libvirt connections are not checked",
  );
}

const lab = pulumi.getStack() === "demo-lab";
const domainXml = lab
  ? "../../.demo/lab/domains/domain1/config/domain.xml"
  : "../../.demo/domains/domain1/config/domain.xml";

const embedded = new ims.Virtualization("embedded", { domainXml, emulator: "test" });
// 192.0.2.0/24 is reserved for documentation: the fixed-IP machine's address reaches nothing,
// and the test driver's URI (test:///default) has no host in it, so no packet is sent to it.
const pool = new ims.ServerPool("demo", {
  virtualization: embedded,
  subnet: lab ? "10.132.181.0/24" : "192.0.2.0/24",
  portNames: ["cscotun0", "br0"],
});
const poolUser = new ims.PoolUser("glassfish", { serverPool: pool, userId: 1001, groupId: 1001 });
const after = { dependsOn: [poolUser] };
const local = new ims.Machine(
  "local",
  { serverPool: pool, networkName: "localhost", verifyConnection },
  after,
);
const office = new ims.Machine(
  "office",
  {
    serverPool: pool,
    networkName: "office",
    ip: lab ? "10.132.181.57" : "192.0.2.57",
    verifyConnection,
  },
  after,
);
new ims.MachineUser("jdoe", { machine: local, userId: 1000, groupId: 1000 });
const machines = [local, office];
if (lab)
  machines.push(
    new ims.Machine(
      "cloud-1",
      { serverPool: pool, mac: "00:1c:c4:9f:e9:3b", verifyConnection },
      after,
    ),
  );

/** How a machine is reached and what its hypervisor reported. */
const reach = (m: ims.Machine) =>
  pulumi.all({
    name: m.name,
    address: m.ipAddress,
    resolvedBy: m.resolvedBy,
    discoveredVia: m.discoveredVia,
    libvirtUri: m.libvirtUri,
    hostname: m.hostname,
    libvirtVersion: m.libvirtVersion,
    hypervisorType: m.hypervisorType,
    hypervisorVersion: m.hypervisorVersion,
    connectionError: m.connectionError,
  });

/** The domain.xml the stack edits (relative to the project). */
export const file = embedded.domainXml;
/** The pool, and the DAS address on its subnet (or why there is none). */
export const serverPool = pulumi.all({
  name: pool.name,
  subnet: pool.subnet,
  dasAddress: pool.dasAddress,
  dasPort: pool.dasPort,
  dasResolution: pool.dasResolution,
});
/** Per machine: address, how it was resolved, libvirt URI, hypervisor report. */
export const reached = machines.map(reach);
/** Whether GlassFish must (re)start to see what the last run wrote. */
export const restartRequired = embedded.restartRequired;
