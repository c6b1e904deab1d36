// The asadmin sequence that seeds a GlassFish domain with IMS, as code:
//
//   asadmin create-ims-config-libvirt kvm
//   asadmin create-server-pool --virtualization kvm --subnet 10.132.181.0/24 --portName "cscotun0;br0" cloud
//   asadmin create-server-pool-user --serverPool cloud --userId 1001 --groupId 1001 cloud
//   asadmin create-machine --serverPool cloud --networkName localhost local
//   asadmin create-machine --serverPool cloud --mac 00:1c:c4:9f:e9:3b cloud-1
//   asadmin create-machine --serverPool cloud --networkName office --ip 10.132.181.57 office
//   asadmin create-machine-user --serverPool cloud --machine local --userId 1000 --groupId 1000 jdoe
//
//   pulumi config set domainXml /opt/glassfish/domains/domain1/config/domain.xml
//   pulumi up
import * as pulumi from "@pulumi/pulumi";
import * as ims from "glassfish-ims";

const config = new pulumi.Config();
const domainXml = config.require("domainXml");
// Each machine's libvirt connection is checked on create (SPEC §5); `pulumi config set
// verifyConnections false` writes the configuration without reaching the machines.
const verifyConnection = config.getBoolean("verifyConnections") ?? true;
// A connection string with command= (e.g. an ssh wrapper) runs a program: only when you say so.
const allowUriCommand = config.getBoolean("allowUriCommand");

// The kvm preset's connection string, unless config sets another (e.g. with keyfile= and a
// known_hosts of your own): qemu+ssh://<pool user>@<machine>/system.
const kvm = new ims.Virtualization("kvm", {
  domainXml,
  emulator: "kvm",
  connectionString: config.get("connectionString"),
});
const cloud = new ims.ServerPool("cloud", {
  virtualization: kvm,
  subnet: "10.132.181.0/24",
  portNames: ["cscotun0", "br0"],
});
// Machines are reached as the pool user: they come after it, so their check logs in as it.
const cloudUser = new ims.PoolUser("cloud", { serverPool: cloud, userId: 1001, groupId: 1001 });
const local = new ims.Machine(
  "local",
  {
    serverPool: cloud,
    networkName: "localhost",
    verifyConnection,
    allowUriCommand,
  },
  { dependsOn: [cloudUser] },
);
const cloud1 = new ims.Machine(
  "cloud-1",
  {
    serverPool: cloud,
    mac: "00:1c:c4:9f:e9:3b",
    verifyConnection,
    allowUriCommand,
  },
  { dependsOn: [cloudUser] },
);
const office = new ims.Machine(
  "office",
  {
    serverPool: cloud,
    networkName: "office",
    ip: "10.132.181.57",
    verifyConnection,
    allowUriCommand,
  },
  { dependsOn: [cloudUser] },
);
new ims.MachineUser("jdoe", { machine: local, userId: 1000, groupId: 1000 });

// For each machine: its address, how it was found, and what its hypervisor reported.
const report = (m: ims.Machine) => ({
  ip: m.ipAddress,
  resolvedBy: m.resolvedBy,
  uri: m.libvirtUri,
  hypervisor: pulumi.interpolate`${m.hypervisorType} ${m.hypervisorVersion}`,
});
export const machines = { local: report(local), "cloud-1": report(cloud1), office: report(office) };
