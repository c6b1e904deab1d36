import * as path from "path";
import { tempDomain } from "../support/domain";
import { fixture } from "../support/fixtures";
import type { TestProject } from "./harness";
import { ORIGINAL } from "./ims-setup";
import { ensureGoHost, expectSeedOutputs, pluginProject, useLocalGoSdk } from "./plugin-setup";

// The asadmin sequence in Go through the SDK generated from schema.json, on the plugin. The Go
// host compiles the program on every CLI run: the first compile of the Pulumi Go SDK takes
// about 2 minutes on 2 cores with the Go cache of the CLI build, later ones seconds.
jest.setTimeout(600_000);

const PROGRAM = path.join(__dirname, "..", "..", "examples", "seed-go");
/** What the dynamic mode writes for this program (plugin-yaml.e2e.test.ts checks it against a run). */
const SEEDED = fixture("golden/domain-seeded-no-mac.xml");
const unavailable = ensureGoHost();
if (unavailable) console.warn(`SKIPPED Go plugin test: ${unavailable}`);

(unavailable ? describe.skip : describe)("a Go program on the provider plugin", () => {
  const domain = tempDomain(ORIGINAL);
  let project: TestProject;
  afterAll(() => {
    project?.cleanup();
    domain.cleanup();
  });

  it("up writes the asadmin sequence as the dynamic mode does, no changes after, destroy restores the file", async () => {
    project = await pluginProject(PROGRAM);
    useLocalGoSdk(project);
    await project.config("domainXml", domain.file);
    // These tests are about domain.xml: no libvirt connection.
    await project.config("verifyConnections", "false");
    await project.up();
    expect(domain.read()).toBe(SEEDED);
    await expectSeedOutputs(project);
    const again = await project.run(["preview", "--expect-no-changes"]);
    expect(again.code).toBe(0);
    await project.destroy();
    expect(domain.read()).toBe(ORIGINAL);
  });
});
