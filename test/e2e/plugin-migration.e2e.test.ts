import { copyFileSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { seedSpec, type Spec } from "../support/seed";
import { ORIGINAL, setup } from "./ims-setup";
import { ensureYamlHost, nodeSdk, PLUGIN_DIR, token } from "./plugin-setup";

// A stack made in dynamic mode (the TypeScript SDK) moves to the provider plugin: the program
// names the plugin's types with an alias from each dynamic URN, and nothing changes.
jest.setTimeout(300_000);

const MIGRATED = path.join(__dirname, "programs", "yaml-migrate", "Pulumi.yaml");
const unavailable = ensureYamlHost();
if (unavailable) console.warn(`SKIPPED dynamic-to-plugin migration test: ${unavailable}`);

/** What programs/ims builds in dynamic mode; programs/yaml-migrate declares the same. */
const SPEC: Spec = seedSpec({
  virtualizations: ["kvm"],
  machines: ["local"],
  poolUserResource: "cloudUser",
});

interface StateResource {
  urn: string;
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

(unavailable ? describe.skip : describe)(
  "moving a dynamic-mode stack to the provider plugin",
  () => {
    const t = setup();
    afterAll(() => t.cleanup());

    it("shows no changes with aliases, drops the serialized provider from the state (up, then refresh), and destroys to the original bytes", async () => {
      await t.start(SPEC);
      await t.project.up();
      const applied = t.domain.read();
      const resources = async () =>
        (
          JSON.parse((await t.project.ok(["stack", "export"])).stdout).deployment
            .resources as StateResource[]
        ).filter(
          (r) => r.type.includes("glassfish-ims") && !r.type.startsWith("pulumi:providers:"),
        );
      const before = await resources();
      expect(before.map((r) => r.type).sort()).toEqual(
        ["Machine", "MachineUser", "PoolUser", "ServerPool", "Virtualization"].map(
          (t) => `pulumi-nodejs:dynamic/glassfish-ims:${t}`,
        ),
      );
      expect(before.every((r) => r.inputs?.__provider !== undefined)).toBe(true);

      const program = path.join(t.project.dir, "Pulumi.yaml");
      copyFileSync(MIGRATED, program);
      writeFileSync(
        program,
        readFileSync(program, "utf8").replace("path: ../../../../bin", `path: ${PLUGIN_DIR}`),
      );
      const planned = await t.project.run(["preview", "--expect-no-changes"]);
      expect(planned.code).toBe(0);
      expect(planned.stdout).toMatch(/Resources:\n\s+6 unchanged\n/);

      await t.project.up();
      expect(t.domain.read()).toBe(applied);
      const after = await resources();
      expect(after.map((r) => r.type).sort()).toEqual(
        ["Machine", "MachineUser", "PoolUser", "ServerPool", "Virtualization"].map(token),
      );
      // A step without changes keeps the old outputs: the inputs lose the serialized provider
      // on up, the outputs on the next refresh (which reads them through the plugin).
      expect(after.filter((r) => r.inputs?.__provider !== undefined)).toEqual([]);
      await t.project.refresh();
      expect(t.domain.read()).toBe(applied);
      expect((await resources()).filter((r) => JSON.stringify(r).includes("__provider"))).toEqual(
        [],
      );
      expect((await t.project.run(["preview", "--expect-no-changes"])).code).toBe(0);

      await t.project.destroy();
      expect(t.domain.read()).toBe(ORIGINAL);
    });
  },
);

const sdk = nodeSdk();
if (sdk.reason)
  console.warn(`SKIPPED dynamic-to-plugin migration through the Node.js SDK: ${sdk.reason}`);

(sdk.dir ? describe : describe.skip)(
  "moving a dynamic-mode stack to the generated Node.js SDK",
  () => {
    const t = setup();
    afterAll(() => t.cleanup());

    it("shows no changes, the SDK's schema aliases bringing each resource over, and destroys to the original bytes", async () => {
      // programs/nodejs-seed's resources, made by the dynamic mode's hand-written SDK first.
      const spec = seedSpec({
        virtualizations: ["kvm"],
        machines: ["local", "office"],
        poolUserResource: "cloudUser",
      });
      await t.start(spec);
      await t.project.up();
      const applied = t.domain.read();

      // The same project and stack, now the Node.js program on the generated SDK.
      const seed = path.join(__dirname, "programs", "nodejs-seed");
      copyFileSync(path.join(seed, "index.js"), path.join(t.project.dir, "index.js"));
      writeFileSync(
        path.join(t.project.dir, "Pulumi.yaml"),
        readFileSync(path.join(seed, "Pulumi.yaml"), "utf8")
          .replace("name: e2e-nodejs-seed", "name: e2e-ims")
          .replace("path: ../../../../bin", `path: ${PLUGIN_DIR}`),
      );
      await t.project.config("sdk", sdk.dir as string);
      const planned = await t.project.run(["preview", "--expect-no-changes"]);
      expect(planned.code).toBe(0);
      expect(planned.stdout).toMatch(/Resources:\n\s+7 unchanged\n/);
      await t.project.up();
      expect(t.domain.read()).toBe(applied);
      const types = (
        JSON.parse((await t.project.ok(["stack", "export"])).stdout).deployment
          .resources as StateResource[]
      )
        .map((r) => r.type)
        .filter((type) => type.includes("glassfish-ims:"));
      expect(types.sort()).toEqual(
        ["Machine", "Machine", "MachineUser", "PoolUser", "ServerPool", "Virtualization"].map(
          token,
        ),
      );
      await t.project.destroy();
      expect(t.domain.read()).toBe(ORIGINAL);
    });
  },
);
