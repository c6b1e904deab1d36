// The SPEC's asadmin sequence (without the machine found by MAC) on the dynamic mode.
const pulumi = require("@pulumi/pulumi");
const ims = require("glassfish-ims");

const config = new pulumi.Config();
const domainXml = config.require("domainXml");

const kvm = new ims.Virtualization("kvm", { domainXml, emulator: "kvm" });
const cloud = new ims.ServerPool("cloud", {
  virtualization: kvm,
  subnet: "10.132.181.0/24",
  portNames: ["cscotun0", "br0"],
});
const cloudUser = new ims.PoolUser("cloudUser", {
  serverPool: cloud,
  name: "cloud",
  userId: 1001,
  groupId: 1001,
});
// These tests are about domain.xml: no libvirt connection.
const machine = (name, args) =>
  new ims.Machine(
    name,
    { serverPool: cloud, verifyConnection: false, ...args },
    { dependsOn: [cloudUser] },
  );
const local = machine("local", { networkName: "localhost" });
const office = machine("office", { networkName: "office", ip: "10.132.181.57" });
new ims.MachineUser("jdoe", { machine: local, userId: 1000, groupId: 1000 });

exports.connectionString = kvm.effectiveConnectionString;
exports.officeIp = office.ipAddress;
