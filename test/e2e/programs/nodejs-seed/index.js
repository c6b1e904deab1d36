// The SPEC's asadmin sequence (without the machine found by MAC) on the provider plugin, through
// the generated Node.js SDK, loaded from the path in config `sdk` (sdks/nodejs/bin).
const pulumi = require("@pulumi/pulumi");

const config = new pulumi.Config();
const ims = require(config.require("sdk"));
const domainXml = config.require("domainXml");

const kvm = new ims.Virtualization("kvm", { domainXml, emulator: "kvm" });
// Parents by name, with domainXml from the parent's output (which also orders the steps).
const cloud = new ims.ServerPool("cloud", {
  domainXml: kvm.domainXml,
  virtualization: kvm.name,
  subnet: "10.132.181.0/24",
  portNames: ["cscotun0", "br0"],
});
const cloudUser = new ims.PoolUser("cloudUser", {
  domainXml: cloud.domainXml,
  serverPool: cloud.name,
  name: "cloud",
  userId: 1001,
  groupId: 1001,
});
// These tests are about domain.xml: no libvirt connection.
const machine = (name, args) =>
  new ims.Machine(
    name,
    { domainXml: cloud.domainXml, serverPool: cloud.name, verifyConnection: false, ...args },
    { dependsOn: [cloudUser] },
  );
const local = machine("local", { networkName: "localhost" });
const office = machine("office", { networkName: "office", ip: "10.132.181.57" });
new ims.MachineUser("jdoe", {
  domainXml: local.domainXml,
  machine: local.name,
  userId: 1000,
  groupId: 1000,
});

exports.connectionString = kvm.effectiveConnectionString;
exports.officeIp = office.ipAddress;
