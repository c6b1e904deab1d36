// A Domain (config `domain`: DomainArgs as JSON), a virtualization in it, one ServerPool per name
// of config `pools`, and a DomainStart after all of them (config `ensureRunning`).
// GlassFish 7 has no IMS: allowUnsupportedGlassFish lets the writes through.
const pulumi = require("@pulumi/pulumi");
const ims = require("glassfish-ims");

const config = new pulumi.Config();
// A DAS host reached over SSH (config `connection`, secret JSON), or none: this machine. The
// pools inherit it from the virtualization, the DomainStart from the Domain.
const connection = config.getSecretObject("connection");
const remote = connection ? { connection } : {};
const domain = new ims.Domain("domain1", { ...JSON.parse(config.require("domain")), ...remote });
const common = { allowUnsupportedGlassFish: true };
const kvm = new ims.Virtualization("kvm", {
  domainXml: domain.domainXml,
  emulator: "test",
  ...remote,
  ...common,
});
// One pool per name of config `pools`, on its own /28 of 192.0.2.0/24 (a documentation range:
// nothing is sent to it). No machines: see test/e2e/lifecycle-glassfish.e2e.test.ts.
const pools = JSON.parse(config.get("pools") ?? "[]").map(
  (name, i) =>
    new ims.ServerPool(name, {
      virtualization: kvm,
      subnet: `192.0.2.${16 * i}/28`,
      portNames: ["lo"],
      ...common,
    }),
);
const start = new ims.DomainStart("domain1-start", {
  domain,
  after: [kvm, ...pools],
  ensureRunning: config.getBoolean("ensureRunning") ?? false,
});
exports.started = start.started;
exports.pid = start.pid;
