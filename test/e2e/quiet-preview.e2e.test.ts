import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { tempDomain } from "../support/domain";
import { fixture } from "../support/fixtures";
import { TestProject } from "./harness";
import { ensureYamlHost, pluginProject } from "./plugin-setup";

// Issue 21, items 16 and 12: a preview of an unchanged stack shows no change at all (no stack
// output going to [unknown]), in both modes, and the dynamic mode's inputs hold only what a
// program gives (no `parentInProgram`, `poolSubnet`), also for a stack whose state main's code
// wrote. Through the real CLI.
jest.setTimeout(300_000);
// `preview --json` as engine events, one JSON object a line, with the outputs each step computed.
process.env.PULUMI_ENABLE_STREAMING_JSON_PREVIEW = "true";

const DYNAMIC = path.join(__dirname, "programs", "quiet");
const YAML = path.join(__dirname, "programs", "yaml-quiet");
/** The state main (451f72b) wrote for DYNAMIC, its domain.xml path as @DOMAIN_XML@. */
const MAIN_STATE = path.join(__dirname, "..", "fixtures", "main-state", "quiet.state.json");
/** The domain.xml main's `pulumi up` of DYNAMIC left. */
const MAIN_DOMAIN = path.join(__dirname, "..", "fixtures", "main-state", "quiet.domain.xml");
/** The engine's unknown value in JSON events (`UnknownStringValue`). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const INTERNAL = ["parentInProgram", "poolSubnet"];

interface EngineEvent {
  resourcePreEvent?: { metadata: StepMetadata };
  resOutputsEvent?: { metadata: StepMetadata };
}
interface StepMetadata {
  op: string;
  urn: string;
  new?: { inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
}

/** `pulumi preview` as engine events (the CLI's streaming JSON, see the top of this file). */
async function previewEvents(p: TestProject): Promise<EngineEvent[]> {
  const r = await p.ok(["preview", "--json"]);
  return r.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as EngineEvent);
}

/** The step ops of a preview's events. */
const opsOf = (events: EngineEvent[]) =>
  events.flatMap((e) => (e.resourcePreEvent ? [e.resourcePreEvent.metadata.op] : []));

/** The stack outputs a preview computed (its last outputs event of the stack). */
function previewedStackOutputs(events: EngineEvent[]): Record<string, unknown> {
  const outs = events
    .map((e) => e.resOutputsEvent?.metadata)
    .filter((m): m is StepMetadata => m?.urn.includes("pulumi:pulumi:Stack::") === true);
  return outs[outs.length - 1]?.new?.outputs ?? {};
}

/**
 * Fails unless `preview --diff` shows nothing changing: every step the same, no property or
 * output diff, no unknown stack output.
 */
async function expectQuietPreview(p: TestProject): Promise<void> {
  const text = (await p.ok(["preview", "--diff"])).stdout;
  expect(text).not.toContain("[unknown]");
  expect(text).not.toContain("--outputs:--");
  const events = await previewEvents(p);
  expect(new Set(opsOf(events))).toEqual(new Set(["same"]));
  expect(JSON.stringify(previewedStackOutputs(events))).not.toContain(UNKNOWN);
}

/** The input and output keys of every resource of the stack's state, as `kind.where.key`. */
async function stateKeys(p: TestProject): Promise<string[]> {
  const state = JSON.parse((await p.ok(["stack", "export"])).stdout) as {
    deployment: {
      resources: Array<{
        type: string;
        inputs?: Record<string, unknown>;
        outputs?: Record<string, unknown>;
      }>;
    };
  };
  return state.deployment.resources.flatMap((r) =>
    (["inputs", "outputs"] as const).flatMap((where) =>
      Object.keys(r[where] ?? {}).map((k) => `${r.type.split(":").pop()}.${where}.${k}`),
    ),
  );
}

describe("a no-change preview in the dynamic mode", () => {
  let domain: ReturnType<typeof tempDomain>;
  let project: TestProject;
  beforeEach(async () => {
    domain = tempDomain(fixture("domain.xml"));
    project = await TestProject.create(DYNAMIC);
    await project.config("domainXml", domain.file);
  });
  afterEach(() => {
    project?.cleanup();
    domain?.cleanup();
  });

  it("shows no change after up: outputs without a value are known (null), not [unknown]", async () => {
    await project.up();
    await expectQuietPreview(project);
    const outs = (await project.outputs()) as {
      reached: Array<Record<string, unknown>>;
      serverPool: Record<string, unknown>;
    };
    expect(outs.reached[0]).toMatchObject({ name: "local", discoveredVia: null, hostname: null });
    expect(outs.serverPool).toMatchObject({ dasAddress: null, dasPort: null });
    // A refresh of the unchanged tree changes nothing either.
    expect((await project.refresh()).stdout).toMatch(/7 unchanged/);
    await expectQuietPreview(project);
  });

  it("shows and records no internal input: the create preview, the state, an update's diff", async () => {
    const created = (await project.ok(["preview", "--diff"])).stdout;
    expect(created).toContain("+ pulumi-nodejs:dynamic/glassfish-ims:Machine: (create)");
    for (const k of INTERNAL) expect(created).not.toContain(k);
    await project.up();
    expect((await stateKeys(project)).filter((k) => INTERNAL.some((i) => k.endsWith(i)))).toEqual(
      [],
    );
    const program = path.join(project.dir, "index.js");
    writeFileSync(
      program,
      readFileSync(program, "utf8").replace('ip: "192.0.2.57"', 'ip: "192.0.2.58"'),
    );
    const update = (await project.ok(["preview", "--diff"])).stdout;
    expect(update).toContain('~ ip              : "192.0.2.57" => "192.0.2.58"');
    for (const k of INTERNAL) expect(update).not.toContain(k);
  });

  it("keeps a stack whose state main's code wrote unchanged, and a refresh makes its preview quiet", async () => {
    writeFileSync(domain.file, readFileSync(MAIN_DOMAIN));
    const state = path.join(project.base, "main-state.json");
    writeFileSync(state, readFileSync(MAIN_STATE, "utf8").replaceAll("@DOMAIN_XML@", domain.file));
    await project.ok(["stack", "import", "--file", state]);
    expect((await stateKeys(project)).filter((k) => k.endsWith("poolSubnet")).length).toBe(4);
    // No resource changes on the upgrade (main's state lacks the nulls, so its stack outputs
    // stay unknown in a preview until the first refresh records them).
    expect(opsOf(await previewEvents(project))).toEqual(Array(7).fill("same"));
    expect((await project.ok(["preview", "--diff"])).stdout).toMatch(
      /Resources:\s+7 unchanged\s*$/,
    );
    const refreshed = await project.refresh();
    expect(refreshed.stdout).toMatch(/7 unchanged/);
    await expectQuietPreview(project);
    expect((await stateKeys(project)).filter((k) => INTERNAL.some((i) => k.endsWith(i)))).toEqual(
      [],
    );
    expect(readFileSync(domain.file)).toEqual(readFileSync(MAIN_DOMAIN));
  });
});

const unavailable = ensureYamlHost();
if (unavailable) console.warn(`SKIPPED Pulumi YAML quiet-preview tests: ${unavailable}`);

(unavailable ? describe.skip : describe)("a no-change preview on the provider plugin", () => {
  it("shows no change after up, and no internal input in the create preview", async () => {
    const domain = tempDomain(fixture("domain.xml"));
    const project = await pluginProject(YAML);
    try {
      await project.config("domainXml", domain.file);
      const created = (await project.ok(["preview", "--diff"])).stdout;
      expect(created).toContain("+ glassfish-ims:index:Machine: (create)");
      for (const k of INTERNAL) expect(created).not.toContain(k);
      await project.up();
      await expectQuietPreview(project);
    } finally {
      project.cleanup();
      domain.cleanup();
    }
  });
});
