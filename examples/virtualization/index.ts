// Two virtualizations in an existing domain: the kvm one `asadmin create-ims-config-libvirt kvm`
// would create, and libvirt's embedded test driver for trying things out without a hypervisor.
//
//   pulumi config set domainXml /opt/glassfish/domains/domain1/config/domain.xml
//   pulumi up
import * as pulumi from "@pulumi/pulumi";
import * as ims from "glassfish-ims";

const config = new pulumi.Config();
const domainXml = config.require("domainXml");

const kvm = new ims.Virtualization("kvm", { domainXml, emulator: "kvm" });
const sandbox = new ims.Virtualization("sandbox", {
  domainXml,
  emulator: "test",
  templateCacheSize: 2,
});

export const kvmConnection = kvm.effectiveConnectionString;
export const kvmEmulator = kvm.effectiveEmulatorPath;
export const sandboxConnection = sandbox.effectiveConnectionString;
// Feed this to a command that restarts the domain: it changes whenever either element does.
export const restartTrigger = pulumi.interpolate`${kvm.xmlDigest}-${sandbox.xmlDigest}`;
