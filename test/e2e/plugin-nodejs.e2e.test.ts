import * as path from "path";
import { tempDomain } from "../support/domain";
import { fixture } from "../support/fixtures";
import type { TestProject } from "./harness";
import { ORIGINAL } from "./ims-setup";
import { expectSeedOutputs, nodeSdk, pluginProject, token } from "./plugin-setup";

// The asadmin sequence in JavaScript through the Node.js SDK generated from schema.json: the
// plugin's types from a Node program, next to the dynamic mode's hand-written SDK.
jest.setTimeout(300_000);

const PROGRAM = path.join(__dirname, "programs", "nodejs-seed");
/** What the dynamic mode writes for this program (plugin-yaml.e2e.test.ts checks it against a run). */
const SEEDED = fixture("golden/domain-seeded-no-mac.xml");
const sdk = nodeSdk();
if (sdk.reason) console.warn(`SKIPPED Node.js SDK plugin test: ${sdk.reason}`);

(sdk.dir ? describe : describe.skip)("a Node.js program through the generated SDK", () => {
  const domain = tempDomain(ORIGINAL);
  let project: TestProject;
  afterAll(() => {
    project?.cleanup();
    domain.cleanup();
  });

  it("up writes the asadmin sequence as the dynamic mode does under the plugin's types, destroy restores the file", async () => {
    project = await pluginProject(PROGRAM);
    await project.config("domainXml", domain.file);
    await project.config("sdk", sdk.dir as string);
    await project.up();
    expect(domain.read()).toBe(SEEDED);
    const state = JSON.parse((await project.ok(["stack", "export"])).stdout);
    const types = (state.deployment.resources as Array<{ type: string }>)
      .map((r) => r.type)
      .filter((t) => t.startsWith("glassfish-ims:"));
    expect(types.sort()).toEqual(
      ["Machine", "Machine", "MachineUser", "PoolUser", "ServerPool", "Virtualization"].map(token),
    );
    expect(JSON.stringify(state)).not.toContain("__provider");
    await expectSeedOutputs(project);
    expect((await project.run(["preview", "--expect-no-changes"])).code).toBe(0);
    await project.destroy();
    expect(domain.read()).toBe(ORIGINAL);
  });
});
