import { execFileSync } from "child_process";
import { mkdirSync, rmSync, unlinkSync, writeFileSync } from "fs";
import * as path from "path";
import { tempDomain } from "../support/domain";
import { TestProject } from "./harness";
import { BASE, clone, ORIGINAL, PROGRAM, setup, type Spec } from "./ims-setup";
import { ensureYamlHost, pluginProject } from "./plugin-setup";

// Issue 21, through the real pulumi CLI (dynamic mode): nothing the stack did not create is taken
// over, preview fails where up would, and duplicates GlassFish would resolve wrongly are refused.
// The journal's URN comes from the SDK in dynamic mode and from the engine in plugin mode: both.
jest.setTimeout(600_000);

const YAML_SEED = path.join(__dirname, "programs", "yaml-seed");
const yamlUnavailable = ensureYamlHost();
if (yamlUnavailable) console.warn(`SKIPPED the plugin-mode case: ${yamlUnavailable}`);

/** The `glassfish-ims <CODE>: ...` lines a CLI run printed. */
function imsErrors(out: string): string[] {
  // Up to the end of the line, or to where the engine's display appends the error's name.
  return [...out.matchAll(/glassfish-ims [A-Z_]+: .*?(?=: ImsError|\n|$)/g)].map((m) => m[0]);
}

describe("a stack takes no element it did not create", () => {
  let t: ReturnType<typeof setup>;
  let mirror: TestProject | undefined;
  beforeEach(() => (t = setup()));
  afterEach(() => {
    mirror?.cleanup();
    mirror = undefined;
    t.cleanup();
  });

  it("a new stack mirroring elements already in the file fails ALREADY_EXISTS at preview and up; its destroy deletes nothing", async () => {
    await t.start(BASE);
    await t.project.up();
    const applied = t.domain.read();
    mirror = await TestProject.create(PROGRAM, "mirror");
    await mirror.config("domainXml", t.domain.file);
    await mirror.config("spec", JSON.stringify(BASE));
    // The engine stops at the first failure: kvm's or xen's, whichever it checks first.
    const taken = (name: string) =>
      `glassfish-ims ALREADY_EXISTS: <libvirt-virtualization name="${name}"> already exists in ${t.domain.file}: set adopt: true to manage it, or choose another name`;
    const refused = (out: string) => out.includes(taken("kvm")) || out.includes(taken("xen"));
    const preview = await mirror.run(["preview"]);
    expect(preview.code).not.toBe(0);
    expect(refused(preview.stdout + preview.stderr)).toBe(true);
    const up = await mirror.run(["up", "--yes", "--skip-preview"]);
    expect(up.code).not.toBe(0);
    expect(refused(up.stdout + up.stderr)).toBe(true);
    expect(t.domain.read()).toBe(applied);
    await mirror.destroy();
    expect(t.domain.read()).toBe(applied);
    // The first stack still owns and previews its elements.
    expect((await t.project.preview()).changeSummary).toEqual({ same: 8 });
  });

  it("two resources of one program with one IMS name: one element, the other ALREADY_EXISTS", async () => {
    const spec: Spec = {
      virtualizations: [
        { resource: "first", args: { name: "same", emulator: "kvm" } },
        { resource: "second", args: { name: "same", emulator: "kvm" } },
      ],
    };
    await t.start(spec);
    const up = await t.project.run(["up", "--yes", "--skip-preview"]);
    expect(up.code).not.toBe(0);
    expect(up.stdout + up.stderr).toContain(
      `glassfish-ims ALREADY_EXISTS: <libvirt-virtualization name="same"> already exists in ${t.domain.file}`,
    );
    expect(t.domain.read().match(/<libvirt-virtualization name="same"/g)).toHaveLength(1);
    // Only the resource that wrote it is in the stack: a destroy leaves the original file.
    await t.project.destroy();
    expect(t.domain.read()).not.toContain('name="same"');
  });
});

describe("preview fails where up would", () => {
  let t: ReturnType<typeof setup>;
  beforeAll(async () => {
    t = setup();
    await t.start(BASE);
    await t.project.up();
  });
  afterAll(() => t.cleanup());

  const breakers: Array<[string, (file: string) => void]> = [
    ["malformed", (f) => writeFileSync(f, "<domain><oops></domain>\n")],
    ["deleted", (f) => unlinkSync(f)],
    [
      "a directory",
      (f) => {
        unlinkSync(f);
        mkdirSync(f);
      },
    ],
    [
      "a FIFO",
      (f) => {
        unlinkSync(f);
        execFileSync("mkfifo", [f]);
      },
    ],
  ];

  it.each(breakers)(
    "a domain.xml made %s under an unchanged stack fails preview and up with refresh's message",
    async (_what, breakIt) => {
      const applied = t.domain.read();
      breakIt(t.domain.file);
      try {
        const preview = await t.project.run(["preview"]);
        const up = await t.project.run(["up", "--yes", "--skip-preview"]);
        const refresh = await t.project.run(["refresh", "--yes", "--skip-preview"]);
        expect(refresh.code).not.toBe(0);
        const message = imsErrors(refresh.stdout + refresh.stderr)[0];
        expect(message).toMatch(/^glassfish-ims (FILE_NOT_FOUND|XML_MALFORMED|[A-Z_]+): /);
        expect(preview.code).not.toBe(0);
        expect(imsErrors(preview.stdout + preview.stderr)).toContain(message);
        expect(up.code).not.toBe(0);
        expect(imsErrors(up.stdout + up.stderr)).toContain(message);
      } finally {
        rmSync(t.domain.file, { recursive: true, force: true });
        writeFileSync(t.domain.file, applied);
      }
    },
  );

  // The engine stops a preview at the first failure: one duplicate per preview. Which of the two
  // resources is checked second (and fails, naming the other) is the engine's order.
  const duplicates: Array<[string, Spec["machines"], string[]]> = [
    [
      "one fixed ip on two machines of a pool",
      [{ resource: "twin", pool: "cloud", args: { networkName: "office", ip: "10.132.181.57" } }],
      [
        ["twin", "office"],
        ["office", "twin"],
      ].map(
        ([a, b]) =>
          `ip "10.132.181.57" of machine resource "${a}" is also the ip of machine resource "${b}" in server pool "cloud": GlassFish would reach one host for both; give each machine its own ip`,
      ),
    ],
    [
      "one MAC on two machines",
      [
        { resource: "mac-a", pool: "cloud", args: { mac: "02:00:00:00:00:aa" } },
        { resource: "mac-b", pool: "cloud", args: { mac: "02-00-00-00-00-AA" } },
      ],
      [
        ["mac-b", "mac-a"],
        ["mac-a", "mac-b"],
      ].map(
        ([a, b]) =>
          `mac "02:00:00:00:00:aa" of machine resource "${a}" is also the mac of machine resource "${b}": one MAC is one network card, so discovery would find one host for both; give each machine its own mac`,
      ),
    ],
  ];

  it.each(duplicates)(
    "refuses %s at preview, naming both resources",
    async (_what, extra, reasons) => {
      const spec = clone(BASE);
      spec.machines!.push(...extra);
      await t.spec(spec);
      try {
        const preview = await t.project.run(["preview"]);
        expect(preview.code).not.toBe(0);
        const out = preview.stdout + preview.stderr;
        expect(reasons.filter((r) => out.includes(r))).toHaveLength(1);
      } finally {
        await t.spec(BASE);
      }
    },
  );
});

(yamlUnavailable ? describe.skip : describe)(
  "a plugin-mode stack takes no element it did not create",
  () => {
    it("a second YAML stack of the same program fails ALREADY_EXISTS at preview and up", async () => {
      const domain = tempDomain(ORIGINAL);
      const first = await pluginProject(YAML_SEED, "first");
      const second = await pluginProject(YAML_SEED, "second");
      try {
        for (const p of [first, second]) await p.config("domainXml", domain.file);
        await first.up();
        const applied = domain.read();
        const taken = `glassfish-ims ALREADY_EXISTS: <libvirt-virtualization name="kvm"> already exists in ${domain.file}: set adopt: true to manage it, or choose another name`;
        const preview = await second.run(["preview"]);
        expect(preview.code).not.toBe(0);
        expect(preview.stdout + preview.stderr).toContain(taken);
        const up = await second.run(["up", "--yes", "--skip-preview"]);
        expect(up.code).not.toBe(0);
        expect(up.stdout + up.stderr).toContain(taken);
        expect(domain.read()).toBe(applied);
        await second.destroy();
        expect(domain.read()).toBe(applied);
      } finally {
        first.cleanup();
        second.cleanup();
        domain.cleanup();
      }
    });
  },
);
