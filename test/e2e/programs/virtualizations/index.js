// Creates one Virtualization per entry of the JSON config `resources`:
// [{ "resource": "<pulumi name>", "args": { ...VirtualizationArgs } }]
const pulumi = require("@pulumi/pulumi");
const ims = require("glassfish-ims");

const config = new pulumi.Config();
const resources = JSON.parse(config.require("resources"));
const created = resources.map(({ resource, args }) => new ims.Virtualization(resource, args));
exports.connectionStrings = created.map((v) => v.effectiveConnectionString);
exports.restartRequired = created.map((v) => v.restartRequired);
