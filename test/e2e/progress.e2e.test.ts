import * as path from "path";
import { tempDomain } from "../support/domain";
import { Lab, labUnavailable } from "../lab/lab";
import { fixture } from "../support/fixtures";
import { TestProject } from "./harness";
import { PROGRAM } from "./ims-setup";
import { ensureYamlHost, pluginProject } from "./plugin-setup";

// Issue 21 item 15: while a machine is found by its MAC (a sweep of up to discoveryTimeoutMs)
// and its libvirt connection is checked, the engine's log says what is going on (status
// messages of the machine: the pool swept, how many answered, the URI checked), in both modes.
// Through the real CLI, as the DAS inside a network lab; `up --json` gives the engine's events.
jest.setTimeout(300_000);

const YAML = path.join(__dirname, "programs", "yaml-progress");
const MAC = "00:1c:c4:9f:e9:3b";

interface Diagnostic {
  urn?: string;
  message: string;
  severity: string;
  ephemeral?: boolean;
}

/** The diagnostics `pulumi up --json` streamed, one engine event a line. */
function diagnostics(stdout: string): Diagnostic[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .flatMap((l) => {
      const e = JSON.parse(l) as { diagnosticEvent?: Diagnostic };
      return e.diagnosticEvent ? [e.diagnosticEvent] : [];
    });
}

/** The status messages of the resource named `name`, in order. */
function statusOf(all: Diagnostic[], name: string): string[] {
  return all
    .filter((d) => d.ephemeral === true && d.urn?.endsWith(`::${name}`))
    .map((d) => d.message.trim());
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** What the machine's up must have said, in this order (one pattern per line). */
const PROGRESS = [
  new RegExp(
    `^${esc(`finding MAC ${MAC}: sweeping server pool "cloud" (253 addresses of 10.132.181.0/24) from br0 (10.132.181.1), up to 20.0 s`)}$`,
  ),
  /^sweep 1 of 10\.132\.181\.0\/24 from br0: \d+ of 253 addresses answered/,
  new RegExp(`^found MAC ${MAC} at 10\\.132\\.181\\.23 after \\d+ sweeps? \\(`),
  /^checking the libvirt connection test:\/\/\/default \(up to 10\.0 s\)$/,
  /^libvirt test:\/\/\/default answered: TEST \S+ on host \S+$/,
];

/** Fails unless `lines` has a line for each of {@link PROGRESS}, in that order. */
function expectProgress(lines: string[]): void {
  expect(lines).toEqual(expect.arrayContaining(PROGRESS.map((p) => expect.stringMatching(p))));
  const at = PROGRESS.map((p) => lines.findIndex((l) => p.test(l)));
  expect(at).toEqual([...at].sort((x, y) => x - y));
}

const noLab = labUnavailable();
const noYaml = noLab ?? ensureYamlHost();
if (noLab) console.warn(`SKIPPED progress e2e tests (need the network lab): ${noLab}`);
else if (noYaml) console.warn(`SKIPPED progress e2e test of the plugin: ${noYaml}`);

describe("progress of a MAC sweep and a libvirt check in the engine's log", () => {
  let lab: Lab;
  beforeAll(async () => {
    if (noLab) return;
    lab = await Lab.create({
      prefix: 24,
      ports: [{ name: "br0", cidr: "10.132.181.1/24" }],
      hosts: [{ name: "cloud-1", ip: "10.132.181.23", mac: MAC }],
    });
  }, 120_000);
  afterAll(() => lab?.destroySync());

  (noYaml ? it.skip : it)("a YAML program on the plugin", async () => {
    const domain = tempDomain(fixture("domain.xml"));
    const project = await pluginProject(YAML, "e2e", (argv) => lab.dasArgv(argv));
    try {
      await project.config("domainXml", domain.file);
      const up = await project.ok(["up", "--yes", "--skip-preview", "--json"]);
      expectProgress(statusOf(diagnostics(up.stdout), "cloud-1"));
      expect((await project.outputs()).ip).toBe("10.132.181.23");
    } finally {
      project.cleanup();
      domain.cleanup();
    }
  });

  (noLab ? it.skip : it)("a TypeScript program in the dynamic mode", async () => {
    const domain = tempDomain(fixture("domain.xml"));
    const project = await TestProject.create(PROGRAM, "e2e", (argv) => lab.dasArgv(argv));
    try {
      await project.config("domainXml", domain.file);
      await project.config(
        "spec",
        JSON.stringify({
          virtualizations: [{ resource: "embedded", args: { emulator: "test" } }],
          pools: [
            {
              resource: "cloud",
              virtualization: "embedded",
              args: { subnet: "10.132.181.0/24", portNames: ["cscotun0", "br0"] },
            },
          ],
          poolUsers: [{ resource: "cloud", pool: "cloud", args: { userId: 1001, groupId: 1001 } }],
          machines: [
            {
              resource: "cloud-1",
              pool: "cloud",
              args: { mac: MAC, discoveryTimeoutMs: 20000, verifyConnection: true },
            },
          ],
        }),
      );
      const up = await project.ok(["up", "--yes", "--skip-preview", "--json"]);
      expectProgress(statusOf(diagnostics(up.stdout), "cloud-1"));
    } finally {
      project.cleanup();
      domain.cleanup();
    }
  });
});
