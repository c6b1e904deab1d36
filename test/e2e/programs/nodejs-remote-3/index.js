// One program, several DAS hosts in the dynamic mode: config `hosts` (secret JSON, a list of
// connections) gives each host a virtualization whose `connection` input its pool and machine
// inherit. Every host gets the same IMS names, subnet and machine ip in the same domainXml path:
// they are different files on different hosts, so nothing of one may count against another.
const pulumi = require("@pulumi/pulumi");
const ims = require("glassfish-ims");

const config = new pulumi.Config();
const domainXml = config.require("domainXml");
const count = Number(config.require("hostCount"));
const hosts = config.requireSecretObject("hosts");

const ips = {};
for (let n = 1; n <= count; n++) {
  const kvm = new ims.Virtualization(`kvm${n}`, {
    domainXml,
    name: "kvm",
    emulator: "kvm",
    connection: hosts.apply((h) => h[n - 1]),
  });
  const cloud = new ims.ServerPool(`cloud${n}`, {
    domainXml,
    virtualization: kvm,
    name: "cloud",
    subnet: "10.132.181.0/24",
    portNames: ["br0"],
  });
  const office = new ims.Machine(`office${n}`, {
    domainXml,
    serverPool: cloud,
    name: "office",
    networkName: "office",
    ip: "10.132.181.57",
    verifyConnection: false,
  });
  ips[`office${n}`] = office.ipAddress;
}
exports.ips = ips;
