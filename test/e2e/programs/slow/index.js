// A machine whose connection check takes as long as the config `connectionString` makes it
// (e.g. a command= that never answers): an `up` that is busy in the provider for a while. The
// pool is on TEST-NET-1 (192.0.2.0/24, documentation only): the machine's address is never
// contacted, since the connection string names its own transport and host.
const pulumi = require("@pulumi/pulumi");
const ims = require("glassfish-ims");

const config = new pulumi.Config();
const kvm = new ims.Virtualization("kvm", {
  domainXml: config.require("domainXml"),
  connectionString: config.require("connectionString"),
});
const pool = new ims.ServerPool("cloud", {
  virtualization: kvm,
  subnet: "192.0.2.0/24",
  portNames: ["lo"],
});
const user = new ims.PoolUser("cloud", { serverPool: pool, userId: 1001, groupId: 1001 });
new ims.Machine(
  "m",
  { serverPool: pool, ip: "192.0.2.2", allowUriCommand: true, connectTimeoutMs: 300_000 },
  { dependsOn: [user] },
);
