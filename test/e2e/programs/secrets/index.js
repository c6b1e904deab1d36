// A virtualization whose connection string is the secret config `connectionString`, a pool on
// loopback, its user, and a machine at 127.0.0.2 checked over that connection string.
const pulumi = require("@pulumi/pulumi");
const ims = require("glassfish-ims");

const config = new pulumi.Config();
const domainXml = config.require("domainXml");
const kvm = new ims.Virtualization("kvm", {
  domainXml,
  connectionString: config.requireSecret("connectionString"),
});
const pool = new ims.ServerPool("cloud", {
  virtualization: kvm,
  subnet: "127.0.0.0/24",
  portNames: ["lo"],
});
const user = new ims.PoolUser("cloud", { serverPool: pool, userId: 1001, groupId: 1001 });
const machine = new ims.Machine(
  "m",
  {
    serverPool: pool,
    ip: "127.0.0.2",
    disksLocation: config.get("disksLocation"),
    connectTimeoutMs: 5000,
  },
  { dependsOn: [user] },
);
exports.connectionString = kvm.connectionString;
exports.effectiveConnectionString = kvm.effectiveConnectionString;
exports.libvirtUri = machine.libvirtUri;
exports.connectionError = machine.connectionError;
