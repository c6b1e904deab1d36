import { existsSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { fixture } from "../support/fixtures";
import { dasStandIn, tempDomain } from "../support/domain";
import { opsOf, TestProject } from "./harness";

jest.setTimeout(240_000);

const ORIGINAL = fixture("domain.xml");
const PROGRAM = path.join(__dirname, "programs", "virtualizations");

/** ORIGINAL with these lines (already indented) in a new <virtualizations> at the end of <domain>. */
function withVirtualizations(...lines: string[]): string {
  return ORIGINAL.replace(
    "</domain>\n",
    `  <virtualizations>\n${lines.map((l) => `    ${l}\n`).join("")}  </virtualizations>\n</domain>\n`,
  );
}

describe("Virtualization through the real pulumi CLI", () => {
  let domain: ReturnType<typeof tempDomain>;
  let project: TestProject;
  const set = (args: Record<string, unknown>) =>
    project.config(
      "resources",
      JSON.stringify([{ resource: "kvm", args: { domainXml: domain.file, ...args } }]),
    );

  beforeEach(async () => {
    domain = tempDomain(ORIGINAL);
    project = await TestProject.create(PROGRAM);
  });
  afterEach(() => {
    project.cleanup();
    domain.cleanup();
  });

  it("previews, creates, drifts, repairs, updates, replaces and destroys back to the original bytes", async () => {
    await set({});
    // preview: one create, nothing written
    expect(opsOf(await project.preview(), "Virtualization")).toEqual(["create"]);
    expect(domain.read()).toBe(ORIGINAL);

    // up writes exactly the element
    await project.up();
    expect(domain.read()).toBe(
      withVirtualizations('<libvirt-virtualization name="kvm" type="libvirt"/>'),
    );
    expect(await project.outputs()).toEqual({
      connectionStrings: ["qemu#{auth.sep}#{auth.method}://#{user.name}@#{target.host}/system"],
      restartRequired: [true],
    });

    // a second preview has nothing to do
    const again = await project.preview();
    expect(opsOf(again, "Virtualization")).toEqual([]);
    expect(again.changeSummary).toEqual({ same: 2 });

    // a hand edit shows as drift on refresh, and up writes it back
    writeFileSync(
      domain.file,
      domain.read().replace('type="libvirt"/>', 'type="libvirt" emulator-path="/opt/hand/kvm"/>'),
    );
    const refreshed = await project.refresh();
    expect(refreshed.stdout).toMatch(/~\s+pulumi-nodejs:dynamic\/glassfish-ims:Virtualization kvm/);
    const drift = await project.preview();
    const step = drift.steps.find((s) => s.urn.endsWith("Virtualization::kvm"));
    expect(step?.op).toBe("update");
    expect(step?.oldState?.inputs.emulatorPath).toBe("/opt/hand/kvm");
    expect(step?.newState?.inputs.emulatorPath).toBeUndefined();
    await project.up();
    expect(domain.read()).toBe(
      withVirtualizations('<libvirt-virtualization name="kvm" type="libvirt"/>'),
    );

    // emulatorPath updates in place
    await set({ emulatorPath: "/usr/local/bin/kvm", templateCacheSize: 7 });
    expect(opsOf(await project.preview(), "Virtualization")).toEqual(["update"]);
    await project.up();
    expect(domain.read()).toBe(
      withVirtualizations(
        '<libvirt-virtualization name="kvm" type="libvirt" emulator-path="/usr/local/bin/kvm" template-cache-size="7"/>',
      ),
    );

    // the IMS name replaces (new element first: the keys differ)
    await set({ name: "kvm2", emulatorPath: "/usr/local/bin/kvm" });
    expect(opsOf(await project.preview(), "Virtualization")).toEqual(["replace"]);
    expect((await project.up()).stdout).toMatch(
      /\+-\s+pulumi-nodejs:dynamic\/glassfish-ims:Virtualization kvm replaced/,
    );
    expect(domain.read()).toBe(
      withVirtualizations(
        '<libvirt-virtualization name="kvm2" type="libvirt" emulator-path="/usr/local/bin/kvm"/>',
      ),
    );

    // destroy gives back the original bytes
    await project.destroy();
    expect(domain.read()).toBe(ORIGINAL);
  });

  it("takes the element out of the state when it was removed by hand", async () => {
    await set({ emulator: "test" });
    await project.up();
    writeFileSync(domain.file, ORIGINAL);
    await project.refresh();
    expect(opsOf(await project.preview(), "Virtualization")).toEqual(["create"]);
  });

  it("fails at preview on bad input, naming each property, and writes nothing", async () => {
    await set({ name: "my kvm", emulator: "vmware", templateCacheSize: -1 });
    const r = await project.run(["preview"]);
    expect(r.code).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toContain('name "my kvm" must be 1 to 255 characters');
    expect(out).toContain(
      'emulator "vmware" is not allowed: use one of "kvm", "qemu", "xen", "test"',
    );
    expect(out).toContain("templateCacheSize -1 must be a whole number from 0 to 10000");
    expect((await project.run(["up", "--yes"])).code).not.toBe(0);
    expect(domain.read()).toBe(ORIGINAL);
    expect(existsSync(`${domain.file}.bak`)).toBe(false);
  });

  it("reports a running domain at up and leaves the file alone", async () => {
    await set({});
    const das = await dasStandIn(domain.dir);
    try {
      writeFileSync(path.join(path.dirname(domain.file), "pid"), String(das.pid));
      const r = await project.run(["up", "--yes", "--skip-preview"]);
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toContain(
        "glassfish-ims DOMAIN_RUNNING: the GlassFish domain of",
      );
      expect(domain.read()).toBe(ORIGINAL);
    } finally {
      das.kill();
    }
  });
});

describe("two stacks editing one domain.xml at once", () => {
  it("both elements are there afterwards", async () => {
    const domain = tempDomain(ORIGINAL);
    const projects = await Promise.all([
      TestProject.create(PROGRAM, "one"),
      TestProject.create(PROGRAM, "two"),
    ]);
    try {
      const names = ["alpha", "beta"];
      await Promise.all(
        projects.map((p, i) =>
          p.config(
            "resources",
            JSON.stringify(
              Array.from({ length: 10 }, (_, k) => ({
                resource: `${names[i]}${k}`,
                args: { domainXml: domain.file, emulator: "test" },
              })),
            ),
          ),
        ),
      );
      await Promise.all(projects.map((p) => p.up()));
      const text = readFileSync(domain.file, "utf8");
      const missing = names
        .flatMap((n) => Array.from({ length: 10 }, (_, k) => `${n}${k}`))
        .filter((n) => !text.includes(`name="${n}"`));
      expect(missing).toEqual([]);
      await Promise.all(projects.map((p) => p.destroy()));
      expect(readFileSync(domain.file, "utf8")).toBe(ORIGINAL);
    } finally {
      projects.forEach((p) => p.cleanup());
      domain.cleanup();
    }
  });
});
