import * as path from "path";
import { fixture } from "../unit/helpers";
import { tempDomain } from "../integration/tmp";
import { opsOf, TestProject } from "./harness";

jest.setTimeout(240_000);

const ORIGINAL = fixture("domain.xml");
const EXAMPLES = path.join(__dirname, "..", "..", "examples");

describe("examples/virtualization (TypeScript, as a user runs it)", () => {
  it("previews, applies and destroys", async () => {
    const domain = tempDomain(ORIGINAL);
    const project = await TestProject.create(path.join(EXAMPLES, "virtualization"));
    try {
      await project.config("domainXml", domain.file);
      expect(opsOf(await project.preview(), "Virtualization")).toEqual(["create", "create"]);
      await project.up();
      // The engine creates both at once: either may land first.
      const kvm = '    <libvirt-virtualization name="kvm" type="libvirt"/>';
      const sandbox =
        '    <libvirt-virtualization name="sandbox" type="libvirt" connection-string="test:///default" template-cache-size="2"/>';
      const block = (a: string, b: string) =>
        ORIGINAL.replace(
          "</domain>\n",
          `  <virtualizations>\n${a}\n${b}\n  </virtualizations>\n</domain>\n`,
        );
      expect([block(kvm, sandbox), block(sandbox, kvm)]).toContain(domain.read());
      const out = await project.outputs();
      expect(out).toMatchObject({
        kvmConnection: "qemu#{auth.sep}#{auth.method}://#{user.name}@#{target.host}/system",
        kvmEmulator: "/usr/bin/kvm",
        sandboxConnection: "test:///default",
      });
      expect(out.restartTrigger).toMatch(/^[0-9a-f]{16}-[0-9a-f]{16}$/);
      await project.destroy();
      expect(domain.read()).toBe(ORIGINAL);
    } finally {
      project.cleanup();
      domain.cleanup();
    }
  });
});
