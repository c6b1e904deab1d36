// The demo stack (the top-level Pulumi.yaml): adds libvirt's embedded test driver as a
// virtualization to a demo GlassFish domain that scripts/demo.sh creates inside the project.
import * as pulumi from "@pulumi/pulumi";
import * as ims from "../sdk";

const config = new pulumi.Config();
const domainXml = config.get("domainXml") ?? ".demo/domains/domain1/config/domain.xml";

const embedded = new ims.Virtualization("embedded", { domainXml, emulator: "test" });

export const file = embedded.domainXml;
export const virtualization = embedded.name;
export const connectionString = embedded.effectiveConnectionString;
export const restartRequired = embedded.restartRequired;
