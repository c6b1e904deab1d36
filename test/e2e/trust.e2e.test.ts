import { writeFileSync } from "fs";
import { tempDomain } from "../support/domain";
import { storeTargets } from "../support/targets";
import { opsOf, TestProject } from "./harness";
import { BASE, clone, ORIGINAL, PROGRAM, setup, type Spec } from "./ims-setup";

jest.setTimeout(300_000);

describe.each(storeTargets())(
  "previews that tell the truth, through the real pulumi CLI and the $name effects",
  (target) => {
    beforeAll(() => target.start(), 60_000);
    afterAll(() => target.stop());
    let t: ReturnType<typeof setup>;
    beforeEach(() => (t = setup(target)));
    afterEach(() => t.cleanup());
    const shown = (file: string) => target.shown(file);

    it("fails preview, as up would, on a missing file, an unknown parent by name and a taken name", async () => {
      const spec: Spec = { virtualizations: [BASE.virtualizations[0]] };
      await t.start(spec);
      const missing = `${t.domain.dir}/config/nope.xml`;
      await t.project.config("domainXml", missing);
      let r = await t.project.run(["preview"]);
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toContain(
        `glassfish-ims FILE_NOT_FOUND: ${shown(missing)} does not exist`,
      );

      await t.project.config("domainXml", t.domain.file);
      const byName = clone(BASE);
      byName.pools[0].byName = true;
      byName.pools[0].virtualization = "nowhere";
      byName.poolUsers = [];
      byName.machines = [];
      byName.machineUsers = [];
      await t.spec(byName);
      r = await t.project.run(["preview"]);
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toContain(
        `glassfish-ims PARENT_NOT_FOUND: virtualization "nowhere" is not in ${shown(t.domain.file)}: create it first`,
      );

      const taken = ORIGINAL.replace(
        "</domain>\n",
        '  <virtualizations>\n    <libvirt-virtualization name="kvm" type="libvirt" emulator-path="/opt/kvm"/>\n  </virtualizations>\n</domain>\n',
      );
      writeFileSync(t.domain.file, taken);
      await t.spec(spec);
      r = await t.project.run(["preview"]);
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toContain(
        `glassfish-ims ALREADY_EXISTS: <libvirt-virtualization name="kvm"> already exists in ${shown(t.domain.file)}: set adopt: true to manage it, or choose another name`,
      );
      expect(t.domain.read()).toBe(taken);
    });

    it("refuses at preview a domain stamped by a GlassFish without IMS, unless allowed", async () => {
      const stamped = ORIGINAL.replace('version="10.0-b23"', 'version="7.0.21"');
      expect(stamped).not.toBe(ORIGINAL);
      writeFileSync(t.domain.file, stamped);
      const spec: Spec = { virtualizations: [BASE.virtualizations[0]] };
      await t.start(spec);
      const r = await t.project.run(["preview"]);
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toContain(
        `glassfish-ims GLASSFISH_WITHOUT_IMS: refusing to write IMS configuration into ${shown(t.domain.file)}: it was last started by GlassFish 7.0.21`,
      );
      spec.virtualizations[0] = {
        resource: "kvm",
        args: { emulator: "kvm", allowUnsupportedGlassFish: true },
      };
      await t.spec(spec);
      await t.project.up();
      expect(t.domain.read()).toContain('<libvirt-virtualization name="kvm" type="libvirt"/>');
      await t.project.destroy();
      expect(t.domain.read()).toBe(stamped);
    });

    it("sees a pool given as the resource or by its name as one identity", async () => {
      await t.start(BASE);
      await t.project.up();
      const applied = t.domain.read();
      const byName = clone(BASE);
      byName.machines = byName.machines.map((m) => ({ ...m, byName: true }));
      byName.poolUsers = byName.poolUsers.map((u) => ({ ...u, byName: true }));
      byName.machineUsers = byName.machineUsers.map((u) => ({ ...u, byName: true }));
      await t.spec(byName);
      const preview = await t.project.preview();
      for (const type of ["Machine", "PoolUser", "MachineUser"]) {
        expect(opsOf(preview, type).filter((op) => op !== "same")).toEqual([]);
      }
      await t.project.up();
      expect(t.domain.read()).toBe(applied);
      await t.spec(BASE);
      const back = await t.project.preview();
      expect(back.steps.filter((s) => s.op !== "same")).toEqual([]);
      // Back to resource parents, so the engine knows the order to delete in again.
      await t.project.up();
      await t.project.destroy();
      expect(t.domain.read()).toBe(ORIGINAL);
    });

    it("gives the same bytes on every run, whatever order parallel creates run in", async () => {
      const many = clone(BASE);
      many.machines = Array.from({ length: 12 }, (_, i) => ({
        resource: `m${String(i).padStart(2, "0")}`,
        pool: "cloud",
        args: { networkName: "office", ip: `10.132.181.${20 + i}` },
      }));
      many.machineUsers = [];
      const results: string[] = [];
      for (let run = 0; run < 2; run++) {
        const domain = tempDomain(ORIGINAL);
        const project = await TestProject.create(PROGRAM);
        try {
          await project.config("domainXml", domain.file);
          await project.config("spec", JSON.stringify(many));
          const { connection } = target.inputs();
          if (connection) {
            await project.ok([
              "config",
              "set",
              "--secret",
              "connection",
              JSON.stringify(connection),
            ]);
          }
          await project.ok(["up", "--yes", "--skip-preview", "--parallel", "16"]);
          results.push(domain.read());
        } finally {
          project.cleanup();
          domain.cleanup();
        }
      }
      expect(results[1]).toBe(results[0]);
      const at = many.machines.map((m) => results[0].indexOf(`<machines name="${m.resource}">`));
      expect(at).toEqual([...at].sort((a, b) => a - b));
    });
  },
);
