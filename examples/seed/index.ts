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

const kvm = new ims.Virtualization("kvm", { domainXml, emulator: "kvm" });
const cloud = new ims.ServerPool("cloud", {
  virtualization: kvm,
  subnet: "10.132.181.0/24",
  portNames: ["cscotun0", "br0"],
});
new ims.PoolUser("cloud", { serverPool: cloud, userId: 1001, groupId: 1001 });
const local = new ims.Machine("local", {
  serverPool: cloud,
  networkName: "localhost",
  verifyConnection,
});
const cloud1 = new ims.Machine("cloud-1", {
  serverPool: cloud,
  mac: "00:1c:c4:9f:e9:3b",
  verifyConnection,
});
const office = new ims.Machine("office", {
  serverPool: cloud,
  networkName: "office",
  ip: "10.132.181.57",
  verifyConnection,
});
new ims.MachineUser("jdoe", { machine: local, userId: 1000, groupId: 1000 });

export const machines = {
  local: { ip: local.ipAddress, resolvedBy: local.resolvedBy },
  "cloud-1": { ip: cloud1.ipAddress, resolvedBy: cloud1.resolvedBy },
  office: { ip: office.ipAddress, resolvedBy: office.resolvedBy },
};
