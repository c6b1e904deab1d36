// The demo's tree (demo/index.ts) in the file of config `domainXml`, with stack outputs that read
// the outputs a resource may leave without a value (a localhost machine has no `discoveredVia`,
// an unchecked one no `hostname`, a pool without a port on its subnet no `dasAddress`): a
// no-change preview must show none of them changing.
const pulumi = require("@pulumi/pulumi");
const ims = require("glassfish-ims");

const domainXml = new pulumi.Config().require("domainXml");
const embedded = new ims.Virtualization("embedded", { domainXml, emulator: "test" });
// 192.0.2.0/24 is reserved for documentation: nothing is sent to it (no connection is checked).
const pool = new ims.ServerPool("demo", {
  virtualization: embedded,
  subnet: "192.0.2.0/24",
  portNames: ["cscotun0", "br0"],
});
const poolUser = new ims.PoolUser("glassfish", { serverPool: pool, userId: 1001, groupId: 1001 });
const after = { dependsOn: [poolUser] };
const local = new ims.Machine(
  "local",
  { serverPool: pool, networkName: "localhost", verifyConnection: false },
  after,
);
const office = new ims.Machine(
  "office",
  { serverPool: pool, networkName: "office", ip: "192.0.2.57", verifyConnection: false },
  after,
);
new ims.MachineUser("jdoe", { machine: local, userId: 1000, groupId: 1000 });

const reach = (m) =>
  pulumi.all({
    name: m.name,
    address: m.ipAddress,
    resolvedBy: m.resolvedBy,
    resolution: m.resolution,
    discoveredVia: m.discoveredVia,
    libvirtUri: m.libvirtUri,
    hostname: m.hostname,
    libvirtVersion: m.libvirtVersion,
    hypervisorType: m.hypervisorType,
    hypervisorVersion: m.hypervisorVersion,
    connectionError: m.connectionError,
  });
exports.reached = [local, office].map(reach);
exports.serverPool = pulumi.all({
  name: pool.name,
  dasAddress: pool.dasAddress,
  dasPort: pool.dasPort,
  dasResolution: pool.dasResolution,
});
exports.restartRequired = embedded.restartRequired;
exports.virtualization = pulumi.all({
  connectionString: embedded.connectionString,
  effectiveConnectionString: embedded.effectiveConnectionString,
});
