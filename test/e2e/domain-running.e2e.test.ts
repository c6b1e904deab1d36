import { spawn, type ChildProcess } from "child_process";
import { existsSync, readFileSync } from "fs";
import * as path from "path";
import { tempDomain } from "../support/domain";
import { fixture } from "../support/fixtures";
import { TestProject } from "./harness";
import { editProgram, ensureYamlHost, pluginProject } from "./plugin-setup";

// Without a Domain resource (the DAS lifecycle's opt-in), a running DAS is refused at preview
// (check), where it can be seen, not only at up; a program with nothing to write previews fine.
// The DAS is a stand-in: a live process whose command line names the domain, as GlassFish's JVM
// does (test/integration/glassfish.test.ts shows the real one found the same way).
jest.setTimeout(300_000);

const ORIGINAL = fixture("domain.xml");
const DYNAMIC = path.join(__dirname, "programs", "virtualizations");
const YAML = path.join(__dirname, "programs", "yaml-virtualization");
const YAML_LIFECYCLE = path.join(__dirname, "programs", "yaml-lifecycle");
const yamlUnavailable = ensureYamlHost();
if (yamlUnavailable) console.warn(`SKIPPED the Pulumi YAML case: ${yamlUnavailable}`);

/** A process whose argv holds `-Dcom.sun.aas.instanceRoot=<dir>`; resolves once it runs. */
async function standIn(dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [
    "-e",
    "setInterval(() => {}, 1000); console.log('up')",
    "--",
    `-Dcom.sun.aas.instanceRoot=${dir}`,
  ]);
  await new Promise((resolve) => child.stdout!.once("data", resolve));
  return child;
}

interface Mode {
  name: string;
  project: (domainXml: string) => Promise<TestProject>;
  setEmulator: (p: TestProject, domainXml: string, emulator: string) => Promise<unknown>;
  skip?: string;
}

const modes: Mode[] = [
  {
    name: "the dynamic provider",
    project: () => TestProject.create(DYNAMIC),
    setEmulator: (p, domainXml, emulator) =>
      p.config("resources", JSON.stringify([{ resource: "kvm", args: { domainXml, emulator } }])),
  },
  {
    name: "the provider plugin (Pulumi YAML)",
    project: async (domainXml) => {
      const p = await pluginProject(YAML);
      await p.config("domainXml", domainXml);
      return p;
    },
    setEmulator: (p, _domainXml, emulator) => p.config("emulator", emulator),
    skip: yamlUnavailable,
  },
];

describe.each(modes)("a running domain without a Domain resource, in $name", (mode) => {
  const run = mode.skip ? it.skip : it;
  run(
    "is refused at preview when the plan writes, and previews no change when it does not",
    async () => {
      const domain = tempDomain(ORIGINAL);
      const project = await mode.project(domain.file);
      let das: ChildProcess | undefined;
      try {
        await mode.setEmulator(project, domain.file, "kvm");
        await project.up();
        const applied = domain.read();
        das = await standIn(domain.dir);

        // Nothing to write: no refusal, nothing planned.
        expect((await project.preview()).changeSummary).toEqual({ same: 2 });

        await mode.setEmulator(project, domain.file, "qemu");
        const r = await project.run(["preview"]);
        expect(r.code).not.toBe(0);
        expect(r.stdout + r.stderr).toContain(
          `glassfish-ims DOMAIN_RUNNING: the GlassFish domain of ${domain.file} is running or starting (process ${das.pid}, whose command line names the domain: -Dcom.sun.aas.instanceRoot=${domain.dir})`,
        );
        expect(domain.read()).toBe(applied);
      } finally {
        das?.kill("SIGKILL");
        project.cleanup();
        domain.cleanup();
      }
    },
  );
});

(yamlUnavailable ? describe.skip : describe)("the DAS lifecycle on the provider plugin", () => {
  it("a Domain and a DomainStart in Pulumi YAML: one stop and one start for a change, none without, one for a removal", async () => {
    // The DAS is a stand-in whose pid is in config/pid; the Domain's commands log each call.
    const domain = tempDomain(ORIGINAL);
    const project = await pluginProject(YAML_LIFECYCLE);
    const log = path.join(project.base, "das.log");
    const pidFile = path.join(domain.dir, "config", "pid");
    const das = `${JSON.stringify(process.execPath)} -e 'require("fs").writeFileSync(process.argv[2], String(process.pid)); setInterval(() => {}, 1000)' -- -Dcom.sun.aas.instanceRoot=${domain.dir} ${pidFile}`;
    const calls = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []);
    const pid = () => (existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : undefined);
    const live = (p: number | undefined) => {
      try {
        return p !== undefined && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${p}/stat`, "utf8"));
      } catch {
        return false;
      }
    };
    try {
      editProgram(
        project,
        "STOP_COMMAND",
        JSON.stringify(["sh", "-c", `echo stop >> ${log}; kill $(cat ${pidFile}); rm ${pidFile}`]),
      );
      editProgram(
        project,
        "START_COMMAND",
        JSON.stringify([
          "setsid",
          "--wait",
          "sh",
          "-c",
          `echo start >> ${log}; ${das} >/dev/null 2>&1 &`,
        ]),
      );
      await project.config("domainDir", domain.dir);
      await project.config("emulator", "kvm");
      spawn("setsid", ["sh", "-c", `${das} >/dev/null 2>&1 &`]);
      for (let i = 0; i < 200 && !live(pid()); i++) await new Promise((r) => setTimeout(r, 50));
      const first = pid();
      expect(live(first)).toBe(true);

      await project.up();
      expect(calls()).toEqual(["stop", "start"]);
      expect(domain.read()).toContain('<libvirt-virtualization name="kvm" type="libvirt"/>');
      expect(live(first)).toBe(false);
      expect(live(pid())).toBe(true);
      expect((await project.outputs()).started).toBe(true);

      const second = pid();
      expect((await project.preview()).changeSummary).toEqual({ same: 4 });
      await project.up();
      expect(calls()).toEqual(["stop", "start"]);
      expect(pid()).toBe(second);

      // A change shows at preview as the DomainStart's update, beside the resource that changes.
      await project.config("emulator", "qemu");
      const planned = await project.preview();
      expect(
        planned.steps
          .filter((s) => s.op === "update")
          .map((s) => s.urn.split("::").pop())
          .sort(),
      ).toEqual(["domain1-start", "kvm"]);
      await project.up();
      expect(calls()).toEqual(["stop", "start", "stop", "start"]);
      expect(live(pid())).toBe(true);

      // Taken out of the program: the engine deletes it after the DomainStart ran, so the delete
      // stops the domain and starts it again itself.
      editProgram(
        project,
        "  kvm:\n    type: glassfish-ims:index:Virtualization\n    properties:\n      domainXml: ${domain1.domainXml}\n      emulator: ${emulator}\n",
        "",
      );
      editProgram(project, "      triggers:\n        - ${kvm.xmlDigest}\n", "      triggers: []\n");
      await project.up();
      expect(calls()).toEqual(["stop", "start", "stop", "start", "stop", "start"]);
      expect(domain.read()).toBe(ORIGINAL);
      expect(live(pid())).toBe(true);
      expect(existsSync(path.join(domain.dir, "config", "glassfish-ims.stopped"))).toBe(false);
    } finally {
      if (live(pid())) process.kill(pid() as number, "SIGKILL");
      project.cleanup();
      domain.cleanup();
    }
  });
});
