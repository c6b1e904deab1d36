import * as path from "path";
import { tempDomain } from "../support/domain";
import { fixture } from "../support/fixtures";
import { ensureYamlHost, pluginProject } from "./plugin-setup";

// What the provider plugin tells a program in another language than TypeScript: a key set for
// the provider (which takes no configuration) is named at preview, not silently ignored; a
// missing parent names the resource type, not a TypeScript class (issue 21, item 12).
jest.setTimeout(300_000);

const YAML = path.join(__dirname, "programs", "yaml-secret-inputs");
const MISSING_PARENT = path.join(__dirname, "programs", "yaml-missing-parent");
const unavailable = ensureYamlHost();
if (unavailable) console.warn(`SKIPPED Pulumi YAML plugin tests: ${unavailable}`);

(unavailable ? describe.skip : describe)("the provider plugin's configuration", () => {
  it("refuses an unknown key at preview, naming it; without it the preview passes", async () => {
    const domain = tempDomain(fixture("domain.xml"));
    const project = await pluginProject(YAML);
    try {
      await project.config("domainXml", domain.file);
      await project.config("connectionString", "test:///default");
      await project.ok(["preview"]);
      await project.config("glassfish-ims:domainXmll", domain.file);
      const r = await project.run(["preview"]);
      expect(r.code).not.toBe(0);
      expect(`${r.stdout}${r.stderr}`).toContain(
        'unknown provider configuration key "domainXmll": the glassfish-ims provider takes only connection (the DAS host; each resource names its domainXml); remove it (pulumi config rm glassfish-ims:domainXmll)',
      );
    } finally {
      project.cleanup();
      domain.cleanup();
    }
  });

  it("names a missing parent by its resource type, not a TypeScript class", async () => {
    const domain = tempDomain(fixture("domain.xml"));
    const project = await pluginProject(MISSING_PARENT);
    try {
      await project.config("domainXml", domain.file);
      const r = await project.run(["preview"]);
      expect(r.code).not.toBe(0);
      const out = `${r.stdout}${r.stderr}`;
      expect(out).toContain(
        `virtualization "nowhere" is not in ${domain.file}: create it first (a glassfish-ims Virtualization resource, or asadmin create-ims-config-libvirt nowhere)`,
      );
      expect(out).not.toContain("ims.Virtualization");
    } finally {
      project.cleanup();
      domain.cleanup();
    }
  });

  it("refuses a domainXml with a line feed at its end at preview (issue 21, item 13)", async () => {
    const domain = tempDomain(fixture("domain.xml"));
    const project = await pluginProject(YAML);
    try {
      await project.config("domainXml", `${domain.file}\n`);
      await project.config("connectionString", "test:///default");
      const r = await project.run(["preview"]);
      expect(r.code).not.toBe(0);
      expect(`${r.stdout}${r.stderr}`).toContain(
        `domainXml ${JSON.stringify(`${domain.file}\n`)} must be the path of a GlassFish domain.xml`,
      );
    } finally {
      project.cleanup();
      domain.cleanup();
    }
  });
});
