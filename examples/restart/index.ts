// GlassFish reads its IMS configuration when the domain starts. Every glassfish-ims resource
// outputs `xmlDigest`, which changes exactly when its element in domain.xml does: feed them to a
// command's `triggers`, and the domain restarts after a change and only then.
//
//   pulumi config set domainXml /opt/glassfish/domains/domain1/config/domain.xml
//   pulumi config set restartCommand "/opt/glassfish/bin/asadmin restart-domain domain1"
//   pulumi up
//
// The domain must be stopped while domain.xml is edited (a running DAS would overwrite it), so in
// practice `asadmin stop-domain` comes first and the command below starts it again.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as ims from "glassfish-ims";

const config = new pulumi.Config();
const domainXml = config.require("domainXml");
const restartCommand = config.get("restartCommand") ?? "asadmin restart-domain domain1";

const kvm = new ims.Virtualization("kvm", { domainXml });
const cloud = new ims.ServerPool("cloud", {
  virtualization: kvm,
  subnet: "10.132.181.0/24",
  portNames: ["br0"],
});
const poolUser = new ims.PoolUser("cloud", { serverPool: cloud, userId: 1001, groupId: 1001 });
const local = new ims.Machine("local", { serverPool: cloud, networkName: "localhost" });

const restart = new command.local.Command(
  "restart-domain",
  {
    create: restartCommand,
    triggers: [kvm.xmlDigest, cloud.xmlDigest, poolUser.xmlDigest, local.xmlDigest],
  },
  { dependsOn: [kvm, cloud, poolUser, local] },
);

export const restartOutput = restart.stdout;
