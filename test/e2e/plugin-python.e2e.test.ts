import { mkdtempSync, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import { tempDomain } from "../support/domain";
import { fixture } from "../support/fixtures";
import type { TestProject } from "./harness";
import { ORIGINAL } from "./ims-setup";
import { ensurePythonHost, expectSeedOutputs, pluginProject } from "./plugin-setup";

// The asadmin sequence in Python through the SDK generated from schema.json, on the plugin.
jest.setTimeout(300_000);

const PROGRAM = path.join(__dirname, "..", "..", "examples", "seed-python");
/** What the dynamic mode writes for this program (plugin-yaml.e2e.test.ts checks it against a run). */
const SEEDED = fixture("golden/domain-seeded-no-mac.xml");
const site = mkdtempSync(path.join(os.tmpdir(), "gf-ims-python-sdk-"));
const unavailable = ensurePythonHost(site);
if (unavailable) console.warn(`SKIPPED Python plugin test: ${unavailable}`);

(unavailable ? describe.skip : describe)("a Python program on the provider plugin", () => {
  const domain = tempDomain(ORIGINAL);
  let project: TestProject;
  afterAll(() => {
    project?.cleanup();
    domain.cleanup();
    rmSync(site, { recursive: true, force: true });
  });

  it("up writes the asadmin sequence as the dynamic mode does, no changes after, destroy restores the file", async () => {
    project = await pluginProject(PROGRAM);
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
