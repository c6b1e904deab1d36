// A virtualization whose connection string is the secret config `connectionString`, or, when
// the config `plain` is true, a plain string written in the program as a user would.
const pulumi = require("@pulumi/pulumi");
const ims = require("glassfish-ims");

const PLAIN = "qemu+ssh://#{user.name}:Hunter2pw@#{target.host}/system?password=S3cretXYZ";

const config = new pulumi.Config();
new ims.Virtualization("kvm", {
  domainXml: config.require("domainXml"),
  connectionString: config.getBoolean("plain") ? PLAIN : config.requireSecret("connectionString"),
});
