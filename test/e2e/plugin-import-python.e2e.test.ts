import { execFileSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { tempDomain } from "../support/domain";
import { fixture } from "../support/fixtures";
import type { TestProject } from "./harness";
import {
  ensurePythonHost,
  pluginProject,
  dependenciesOf,
  IMPORTED_SEED_DEPENDENCIES,
} from "./plugin-setup";

// The import round trip in the languages whose hosts here cannot generate code (Node.js and
// Python 3.68.0, Go 3.62.0: "GenerateProgram not implemented"): the program comes from
// scripts/gen-program.sh, which runs the CLI's own import code generation with pkg/v3's program
// generators, as a host that implements GenerateProgram does. The Python one then runs.
jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, "..", "..");
const EMPTY = path.join(__dirname, "programs", "python-empty");
const SEEDED = fixture("golden/domain-seeded.xml");
const site = mkdtempSync(path.join(os.tmpdir(), "gf-ims-python-sdk-"));
const unavailable = ensurePythonHost(site);
if (unavailable) console.warn(`SKIPPED the Python import round trip: ${unavailable}`);

(unavailable ? describe.skip : describe)("pulumi import, then the generated Python program", () => {
  let project: TestProject | undefined;
  let domain: ReturnType<typeof tempDomain> | undefined;
  afterAll(() => {
    project?.cleanup();
    domain?.cleanup();
    rmSync(site, { recursive: true, force: true });
  });

  it("references the parents in Python, Go and TypeScript; the Python one ups with no changes and destroys in order", async () => {
    // The libvirt test driver's URI, and no machine found by MAC (see plugin-import.e2e).
    const text = SEEDED.replace(
      '<libvirt-virtualization name="kvm" type="libvirt">',
      '<libvirt-virtualization name="kvm" type="libvirt" connection-string="test:///default">',
    ).replace(/\n\s*<machines name="cloud-1">[\s\S]*?<\/machines>/, "");
    domain = tempDomain(text);
    // The import runs without the Python SDK in sight: with it, the engine records the SDK's
    // pluginDownloadURL (`.../v${VERSION}`) on the provider, and the CLI's import code generation
    // reads its `${VERSION}` as an interpolation ("invalid download URL for package: expected
    // string literal"), in every language. The program then runs with the SDK.
    let hideSdk = true;
    project = await pluginProject(EMPTY, "e2e", (argv) =>
      hideSdk ? ["env", "-u", "PYTHONPATH", ...argv] : argv,
    );
    const list = path.join(project.base, "resources.json");
    writeFileSync(
      list,
      execFileSync(path.join(ROOT, "bin", "glassfish-ims"), ["import-file", domain.file], {
        encoding: "utf8",
      }),
    );
    // --out would fail here (the Python host does not generate); the state is what counts.
    await project.ok([
      "import",
      "--file",
      list,
      "--yes",
      "--protect=false",
      "--generate-code=false",
    ]);
    hideSdk = false;
    const state = path.join(project.base, "state.json");
    writeFileSync(state, (await project.ok(["stack", "export", "--show-secrets"])).stdout);
    const generate = (language: string) =>
      execFileSync("bash", [path.join(ROOT, "scripts", "gen-program.sh"), state, list, language], {
        encoding: "utf8",
      });

    const python = generate("python");
    const f = JSON.stringify(domain.file);
    expect(python).toBe(
      [
        "import pulumi",
        "import pulumi_glassfish_ims as glassfish_ims",
        "",
        'kvm = glassfish_ims.Virtualization("kvm",',
        `    domain_xml=${f},`,
        '    emulator="test")',
        'cloud = glassfish_ims.ServerPool("cloud",',
        `    domain_xml=${f},`,
        "    port_names=[",
        '        "cscotun0",',
        '        "br0",',
        "    ],",
        '    subnet="10.132.181.0/24",',
        "    virtualization=kvm.id)",
        'cloud_user = glassfish_ims.PoolUser("cloud-user",',
        `    domain_xml=${f},`,
        "    group_id=1001,",
        "    name=cloud.name,",
        "    server_pool=cloud.id,",
        "    user_id=1001,",
        "    virtualization=kvm.id)",
        'local = glassfish_ims.Machine("local",',
        `    domain_xml=${f},`,
        '    network_name="localhost",',
        "    server_pool=cloud.id,",
        "    virtualization=kvm.id)",
        'local_user = glassfish_ims.MachineUser("local-user",',
        `    domain_xml=${f},`,
        "    group_id=1000,",
        "    machine=local.id,",
        '    name="jdoe",',
        "    server_pool=cloud.id,",
        "    user_id=1000,",
        "    virtualization=kvm.id)",
        'office = glassfish_ims.Machine("office",',
        `    domain_xml=${f},`,
        '    ip="10.132.181.57",',
        '    network_name="office",',
        "    server_pool=cloud.id,",
        "    virtualization=kvm.id)",
        "",
      ].join("\n"),
    );
    // Go and TypeScript: the same references (not run here).
    const go = generate("go");
    expect(
      go.match(/ServerPool: +cloud\.ID\(\)\.ToIDOutput\(\)\.ToStringOutput\(\),/g),
    ).toHaveLength(4);
    expect(go).toContain("Machine:        local.ID().ToIDOutput().ToStringOutput(),");
    const ts = generate("nodejs");
    expect(ts.match(/serverPool: cloud\.id,/g)).toHaveLength(4);
    expect(ts.match(/virtualization: kvm\.id,/g)).toHaveLength(5);
    expect(ts).toContain("machine: local.id,");

    writeFileSync(path.join(project.dir, "__main__.py"), python);
    const up = await project.run(["up", "--yes", "--expect-no-changes"]);
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/Resources:\n\s+7 unchanged\n/);
    expect(await dependenciesOf(project)).toEqual(IMPORTED_SEED_DEPENDENCIES);
    const destroyed = await project.run(["destroy", "--yes", "--skip-preview"]);
    expect(destroyed.code).toBe(0);
    expect(domain.read()).toBe(fixture("domain.xml"));
  });
});
