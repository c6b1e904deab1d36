import * as path from "path";
import { tempDomain } from "../support/domain";
import { fixture } from "../support/fixtures";
import { TestProject, type CliResult } from "./harness";
import { ensureYamlHost, pluginProject } from "./plugin-setup";

// What the real CLI prints and stores of a connection string, in both modes: a check failure
// names the property and the rule, never the value; a plain connection string is a secret in the
// state too (issue 21, items 3 and 4).
jest.setTimeout(300_000);

const DYNAMIC = path.join(__dirname, "programs", "secret-inputs");
const YAML = path.join(__dirname, "programs", "yaml-secret-inputs");
const PASSWORDS = ["Hunter2pw", "S3cretXYZ", "K3yValue9"];
// Fails check (an unknown macro) whatever else is allowed. The first two credentials are the
// issue's; the third is in a parameter no redaction can know to be a credential: only a message
// that shows nothing of the template keeps it.
const FAILING =
  "qemu+tcp://#{user.name}:Hunter2pw@#{target.host}/system?password=S3cretXYZ&authkey=K3yValue9&via=#{target.hots}";
const RULE =
  "connectionString uses unknown macro #{target.hots}: allowed are #{auth.sep}, #{auth.method}, #{user.name}, #{target.host}";

/** The passwords, or any other part of the template, that `r` printed (stdout or stderr). */
function leaked(r: CliResult): string[] {
  return [...PASSWORDS, "qemu+tcp:", "authkey"].filter((pw) =>
    `${r.stdout}${r.stderr}`.includes(pw),
  );
}

/** Sets the failing template as a secret, runs a preview, and returns what it printed. */
async function failingPreview(project: TestProject, file: string): Promise<CliResult> {
  await project.config("domainXml", file);
  await project.ok(["config", "set", "--secret", "connectionString", FAILING]);
  const r = await project.run(["preview"]);
  expect(r.code).not.toBe(0);
  return r;
}

describe("a connection string through the real CLI, dynamic mode", () => {
  it("a secret that fails check: the preview names the property and the rule, not the value", async () => {
    const domain = tempDomain(fixture("domain.xml"));
    const project = await TestProject.create(DYNAMIC);
    try {
      const r = await failingPreview(project, domain.file);
      expect(`${r.stdout}${r.stderr}`).toContain(RULE);
      expect(leaked(r)).toEqual([]);
    } finally {
      project.cleanup();
      domain.cleanup();
    }
  });

  it("a plain one is a secret in the state: stack export holds no plain value", async () => {
    const domain = tempDomain(fixture("domain.xml"));
    const project = await TestProject.create(DYNAMIC);
    // As written in programs/secret-inputs/index.js.
    const plain = "qemu+ssh://#{user.name}:Hunter2pw@#{target.host}/system?password=S3cretXYZ";
    try {
      await project.config("domainXml", domain.file);
      await project.config("plain", "true"); // the program's own plain string, below
      await project.ok(["up", "--yes", "--skip-preview"]);
      expect(domain.read()).toContain("S3cretXYZ"); // GlassFish reads it from its file
      const state = (await project.ok(["stack", "export"])).stdout;
      expect(PASSWORDS.filter((pw) => state.includes(pw))).toEqual([]);
      const shown = (await project.ok(["stack", "export", "--show-secrets"])).stdout;
      const kvm = (
        JSON.parse(shown).deployment.resources as Array<{
          type: string;
          inputs: Record<string, unknown>;
          outputs: Record<string, unknown>;
        }>
      ).find((x) => x.type === "pulumi-nodejs:dynamic/glassfish-ims:Virtualization");
      // Encrypted as a secret in both the inputs and the outputs, not dropped.
      const secret = {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        plaintext: JSON.stringify(plain),
      };
      expect([kvm?.inputs.connectionString, kvm?.outputs.connectionString]).toEqual([
        secret,
        secret,
      ]);
      const diff = await project.run(["preview", "--expect-no-changes"]);
      expect(diff.code).toBe(0);
    } finally {
      project.cleanup();
      domain.cleanup();
    }
  });
});

const unavailable = ensureYamlHost();
if (unavailable) console.warn(`SKIPPED Pulumi YAML plugin tests: ${unavailable}`);

(unavailable ? describe.skip : describe)(
  "a connection string through the real CLI, plugin mode",
  () => {
    it("a secret that fails check: the preview names the property and the rule, not the value", async () => {
      const domain = tempDomain(fixture("domain.xml"));
      const project = await pluginProject(YAML);
      try {
        const r = await failingPreview(project, domain.file);
        expect(`${r.stdout}${r.stderr}`).toContain(RULE);
        expect(leaked(r)).toEqual([]);
      } finally {
        project.cleanup();
        domain.cleanup();
      }
    });
  },
);
