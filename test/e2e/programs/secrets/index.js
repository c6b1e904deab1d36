// A virtualization whose connection string is the secret config `connectionString`, a pool on
// TEST-NET-1 (192.0.2.0/24, documentation only), its user, and a machine there checked over that
// connection string, which names the host it connects to (loopback) rather than the machine's
// address: no check ever sends anything to 192.0.2.2.
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
  subnet: "192.0.2.0/24",
  portNames: ["lo"],
});
const user = new ims.PoolUser("cloud", { serverPool: pool, userId: 1001, groupId: 1001 });
const machine = new ims.Machine(
  "m",
  {
    serverPool: pool,
    ip: "192.0.2.2",
    disksLocation: config.get("disksLocation"),
    connectTimeoutMs: 5000,
  },
  { dependsOn: [user] },
);
exports.connectionString = kvm.connectionString;
exports.effectiveConnectionString = kvm.effectiveConnectionString;
exports.libvirtUri = machine.libvirtUri;
exports.connectionError = machine.connectionError;
