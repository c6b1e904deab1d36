// A change to a running GlassFish domain in one `pulumi up`: the Domain lets glassfish-ims stop
// the DAS before its first write to domain.xml, and the DomainStart starts it again after the
// last. An up that changes nothing stops nothing. See the README's "DAS lifecycle".
//
//   pulumi config set domainDir /opt/glassfish7/glassfish/domains/domain1
//   pulumi config set asadmin /opt/glassfish7/bin/asadmin
//   pulumi up
//
// `stopCommand` and `startCommand` (JSON argument arrays) replace asadmin's stop-domain and
// start-domain where a domain needs more (a wrapper, sudo, a service manager).
import * as pulumi from "@pulumi/pulumi";
import * as ims from "glassfish-ims";

const config = new pulumi.Config();
const domain = new ims.Domain("domain1", {
  domainDir: config.require("domainDir"),
  asadmin: config.get("asadmin"),
  stopCommand: config.getObject<string[]>("stopCommand"),
  startCommand: config.getObject<string[]>("startCommand"),
});

const kvm = new ims.Virtualization("kvm", { domainXml: domain.domainXml, emulator: "test" });
const cloud = new ims.ServerPool("cloud", {
  virtualization: kvm,
  subnet: "192.0.2.0/24",
  portNames: ["br0"],
});
const poolUser = new ims.PoolUser("cloud", { serverPool: cloud, userId: 1001, groupId: 1001 });
const local = new ims.Machine("local", {
  serverPool: cloud,
  networkName: "localhost",
  verifyConnection: false,
});

const start = new ims.DomainStart("domain1-start", {
  domain,
  after: [kvm, cloud, poolUser, local],
});

export const domainStarted = start.started;
