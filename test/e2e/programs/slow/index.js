// A machine whose connection check takes as long as the config `connectionString` makes it
// (e.g. a command= that never answers): an `up` that is busy in the provider for a while.
const pulumi = require("@pulumi/pulumi");
const ims = require("glassfish-ims");

const config = new pulumi.Config();
const kvm = new ims.Virtualization("kvm", {
  domainXml: config.require("domainXml"),
  connectionString: config.require("connectionString"),
});
const pool = new ims.ServerPool("cloud", {
  virtualization: kvm,
  subnet: "127.0.0.0/24",
  portNames: ["lo"],
});
const user = new ims.PoolUser("cloud", { serverPool: pool, userId: 1001, groupId: 1001 });
new ims.Machine(
  "m",
  { serverPool: pool, ip: "127.0.0.2", allowUriCommand: true, connectTimeoutMs: 300_000 },
  { dependsOn: [user] },
);
