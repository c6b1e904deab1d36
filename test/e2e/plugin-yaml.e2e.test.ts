import { writeFileSync } from "fs";
import * as path from "path";
import { tempDomain } from "../support/domain";
import { fixture } from "../support/fixtures";
import { seedSpec } from "../support/seed";
import type { TestProject } from "./harness";
import { ORIGINAL, setup } from "./ims-setup";
import {
  changedSteps,
  editProgram,
  ensureYamlHost,
  pluginProject,
  token,
  type DetailedStep,
} from "./plugin-setup";

// The SPEC's asadmin sequence as a Pulumi YAML program on the provider plugin, through the real
// CLI: one stack that lives through the tests of this file, in order.
jest.setTimeout(300_000);

const SEED = path.join(__dirname, "programs", "yaml-seed");
const unavailable = ensureYamlHost();
if (unavailable) console.warn(`SKIPPED Pulumi YAML plugin tests: ${unavailable}`);

(unavailable ? describe.skip : describe)(
  "the asadmin sequence as a Pulumi YAML program on the provider plugin",
  () => {
    const domain = tempDomain(ORIGINAL);
    let project: TestProject;
    let applied = "";
    beforeAll(async () => {
      project = await pluginProject(SEED);
      await project.config("domainXml", domain.file);
    });
    afterAll(() => {
      project?.cleanup();
      domain.cleanup();
    });

    const preview = async (args: string[] = []) => {
      const r = await project.ok(["preview", "--json", ...args]);
      return JSON.parse(r.stdout) as {
        steps: DetailedStep[];
        changeSummary: Record<string, number>;
      };
    };

    it("previews one create per resource under the plugin's type tokens, writing nothing", async () => {
      const planned = await preview();
      expect(
        planned.steps
          .filter((s) => s.op !== "same")
          .map((s) => `${s.op} ${s.urn.split("::").slice(-2).join("::")}`)
          // the two machines are independent: the engine plans them in either order
          .sort(),
      ).toEqual(
        [
          "create pulumi:pulumi:Stack::e2e-yaml-seed-e2e",
          `create ${token("Virtualization")}::kvm`,
          `create ${token("ServerPool")}::cloud`,
          `create ${token("PoolUser")}::cloudUser`,
          `create ${token("Machine")}::local`,
          `create ${token("Machine")}::office`,
          `create ${token("MachineUser")}::jdoe`,
        ].sort(),
      );
      expect(domain.read()).toBe(ORIGINAL);
    });

    it("up writes the same bytes as the TypeScript SDK's dynamic provider for the same program", async () => {
      await project.up();
      applied = domain.read();
      // The same resources through the dynamic mode, on a domain of its own.
      const dynamic = setup();
      try {
        await dynamic.start(seedSpec({ virtualizations: ["kvm"] }));
        await dynamic.project.up();
        expect(applied).toBe(dynamic.domain.read());
        // The golden file the Python test compares with is this same result.
        expect(applied).toBe(fixture("golden/domain-seeded-no-mac.xml"));
      } finally {
        dynamic.cleanup();
      }
      expect(applied).not.toBe(ORIGINAL);
      expect(await project.outputs()).toEqual({
        connectionString: "qemu#{auth.sep}#{auth.method}://#{user.name}@#{target.host}/system",
        officeIp: "10.132.181.57",
      });
    });

    it("keeps the connection strings secret: in the stack outputs and in the state", async () => {
      const shown = await project.ok(["stack", "output", "connectionString"]);
      expect(shown.stdout.trim()).toBe("[secret]");
      const state = (await project.ok(["stack", "export"])).stdout;
      expect(state).not.toContain("#{auth.sep}");
      const kvm = (
        JSON.parse(state).deployment.resources as Array<{
          urn: string;
          outputs: Record<string, unknown>;
        }>
      ).find((r) => r.urn.endsWith(`${token("Virtualization")}::kvm`));
      expect(kvm?.outputs.effectiveConnectionString).toEqual({
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        ciphertext: expect.any(String),
      });
    });

    it("shows no changes on the next preview", async () => {
      const r = await project.run(["preview", "--expect-no-changes"]);
      // (stderr holds the CLI's note that the YAML host comes from PATH)
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Resources:\n\s+7 unchanged\n/);
    });

    it("previews a change with each property's detail: update in place, or replace for identity", async () => {
      const restore = editProgram(project, "portNames: [cscotun0, br0]", "portNames: [br0]");
      editProgram(
        project,
        "      ip: 10.132.181.57",
        "      name: office2\n      ip: 10.132.181.58",
      );
      try {
        const planned = await preview(["--diff"]);
        const steps = changedSteps(planned.steps);
        expect(Object.keys(steps).sort()).toEqual(["cloud", "office"]);
        expect(steps.cloud).toMatchObject({
          op: "update",
          detailedDiff: { portNames: { kind: "update", inputDiff: true } },
          diffReasons: ["portNames"],
        });
        expect(steps.office).toMatchObject({
          op: "replace",
          detailedDiff: {
            name: { kind: "update-replace", inputDiff: true },
            ip: { kind: "update", inputDiff: true },
          },
          replaceReasons: ["name"],
        });
        expect(Object.keys(steps.office.detailedDiff ?? {}).sort()).toEqual(["ip", "name"]);
        expect(planned.changeSummary).toEqual({ same: 5, update: 1, replace: 1 });
        expect(domain.read()).toBe(applied);
      } finally {
        restore();
      }
    });

    it("refresh shows a hand edit as drift, and up repairs it", async () => {
      writeFileSync(
        domain.file,
        applied
          .replace('port-name="cscotun0;br0"', 'port-name="eth9"')
          .replace('user-id="1001"', 'user-id="7"'),
      );
      await project.refresh();
      const drift = changedSteps((await preview()).steps);
      expect(drift).toEqual({
        cloud: expect.objectContaining({
          op: "update",
          detailedDiff: { portNames: { kind: "update", inputDiff: true } },
        }),
        cloudUser: expect.objectContaining({
          op: "update",
          detailedDiff: { userId: { kind: "update", inputDiff: true } },
        }),
      });
      await project.up();
      expect(domain.read()).toBe(applied);
    });

    it("fails at preview on bad input with the dynamic mode's messages, naming each property", async () => {
      const cases: Array<[string, string, string[]]> = [
        [
          "subnet: 10.132.181.0/24\n      portNames: [cscotun0, br0]",
          'subnet: 10.132.181.5/24\n      portNames: ["cscotun0;br0"]',
          [
            'property subnet value {10.132.181.5/24} has a problem: subnet "10.132.181.5/24" is not a network address: did you mean "10.132.181.0/24"?',
            'has a problem: portNames[0] "cscotun0;br0" must be a network interface name',
          ],
        ],
        [
          "      ip: 10.132.181.57",
          '      ip: 10.132.181.57\n      mac: "00:1C-C4:9f:e9:3b"',
          [
            'mac "00:1C-C4:9f:e9:3b" must be six hex octets like 00:1c:c4:9f:e9:3b',
            'machine "office" has both ip and mac',
          ],
        ],
        [
          "      domainXml: ${kvm.domainXml}\n",
          "",
          [
            'property domainXml value {<nil>} has a problem: domainXml is required: the provider plugin cannot inherit it from virtualization "kvm" given by name; set domainXml to the parent\'s (in YAML: domainXml: ${<parent>.domainXml})',
          ],
        ],
      ];
      for (const [from, to, messages] of cases) {
        const restore = editProgram(project, from, to);
        try {
          const r = await project.run(["preview"]);
          expect(r.code).not.toBe(0);
          for (const message of messages) expect(r.stdout + r.stderr).toContain(message);
          expect(domain.read()).toBe(applied);
        } finally {
          restore();
        }
      }
    });

    it("destroy leaves domain.xml byte-identical to the original", async () => {
      await project.destroy();
      expect(domain.read()).toBe(ORIGINAL);
    });
  },
);
