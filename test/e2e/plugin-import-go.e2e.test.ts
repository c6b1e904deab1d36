import { execFileSync } from "child_process";
import { writeFileSync } from "fs";
import * as path from "path";
import { tempDomain } from "../support/domain";
import { fixture } from "../support/fixtures";
import type { TestProject } from "./harness";
import {
  ensureGoHost,
  pluginProject,
  useLocalGoSdk,
  dependenciesOf,
  IMPORTED_SEED_DEPENDENCIES,
} from "./plugin-setup";

// The import round trip in Go: the Go host here (3.62.0) does not implement GenerateProgram, so
// the program comes from scripts/gen-program.sh (the CLI's own import code generation with pkg/v3's
// Go program generator, as a host that generates runs it); then it compiles and runs.
jest.setTimeout(600_000);

const ROOT = path.resolve(__dirname, "..", "..");
/** Its go.mod and go.sum (the generated SDK replaced by sdks/go); main.go is replaced. */
const GO_PROGRAM = path.join(__dirname, "..", "..", "examples", "seed-go");
const SEEDED = fixture("golden/domain-seeded.xml");
const unavailable = ensureGoHost();
if (unavailable) console.warn(`SKIPPED the Go import round trip: ${unavailable}`);

(unavailable ? describe.skip : describe)("pulumi import, then the generated Go program", () => {
  let project: TestProject | undefined;
  let domain: ReturnType<typeof tempDomain> | undefined;
  afterAll(() => {
    project?.cleanup();
    domain?.cleanup();
  });

  it("references the parents, ups with no changes and destroys in order", async () => {
    // The libvirt test driver's URI, and no machine found by MAC (see plugin-import.e2e).
    const text = SEEDED.replace(
      '<libvirt-virtualization name="kvm" type="libvirt">',
      '<libvirt-virtualization name="kvm" type="libvirt" connection-string="test:///default">',
    ).replace(/\n\s*<machines name="cloud-1">[\s\S]*?<\/machines>/, "");
    domain = tempDomain(text);
    project = await pluginProject(GO_PROGRAM);
    useLocalGoSdk(project);
    const list = path.join(project.base, "resources.json");
    writeFileSync(
      list,
      execFileSync(path.join(ROOT, "bin", "glassfish-ims"), ["import-file", domain.file], {
        encoding: "utf8",
      }),
    );
    await project.ok([
      "import",
      "--file",
      list,
      "--yes",
      "--protect=false",
      "--generate-code=false",
    ]);
    const state = path.join(project.base, "state.json");
    writeFileSync(state, (await project.ok(["stack", "export", "--show-secrets"])).stdout);
    const go = execFileSync(
      "bash",
      [path.join(ROOT, "scripts", "gen-program.sh"), state, list, "go"],
      { encoding: "utf8" },
    );
    const ref = (name: string) => `${name}.ID().ToIDOutput().ToStringOutput()`;
    expect(go.match(/ServerPool: +\S+,/g)?.map((m) => m.split(/ +/)[1])).toEqual(
      Array(4).fill(`${ref("cloud")},`),
    );
    expect(go.match(/Virtualization: +\S+,/g)?.map((m) => m.split(/ +/)[1])).toEqual(
      Array(5).fill(`${ref("kvm")},`),
    );
    expect(go).toContain(`Machine:        ${ref("local")},`);

    writeFileSync(path.join(project.dir, "main.go"), go);
    const up = await project.run(["up", "--yes", "--expect-no-changes"]);
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/Resources:\n\s+7 unchanged\n/);
    expect(await dependenciesOf(project)).toEqual(IMPORTED_SEED_DEPENDENCIES);
    const destroyed = await project.run(["destroy", "--yes", "--skip-preview"]);
    expect(destroyed.code).toBe(0);
    expect(domain.read()).toBe(fixture("domain.xml"));
  });
});
