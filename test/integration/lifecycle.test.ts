import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";
import { providers } from "../../provider";
import { domain, domainStart } from "../../provider/resources/domain";
import { create } from "../../provider/resources/virtualization";
import { editDomain } from "../../provider/store/store";
import { fixture } from "../support/fixtures";
import { dasStandIns, rejection, tempDomain } from "../support/domain";

// The store's side of the DAS lifecycle (provider/store/lifecycle.ts) with a stand-in DAS: a live
// process whose command line names the domain. A Domain's check is what opts the domain in.
const ORIGINAL = fixture("domain.xml");
let d: ReturnType<typeof tempDomain>;
const standIns = dasStandIns();
const standIn = standIns.start;
beforeEach(() => (d = tempDomain(ORIGINAL)));
afterEach(() => {
  standIns.killAll();
  d.cleanup();
});

async function manage(args: Record<string, unknown>): Promise<void> {
  const r = await domain.check({}, { domainDir: d.dir, ...args });
  expect(r.failures).toEqual([]);
}

const virt = () => ({ domainXml: d.file, name: "kvm", emulator: "test" as const });
const config = () => readdirSync(path.dirname(d.file)).sort();

describe("a running DAS of a domain under a Domain", () => {
  it("a stop command that fails: DOMAIN_STOP_FAILED naming it, nothing written, the marker kept", async () => {
    await standIn(d.dir);
    await manage({ stopCommand: ["sh", "-c", "echo cannot reach the DAS >&2; exit 3"] });
    const err = await rejection(create(virt()));
    expect(err.code).toBe("DOMAIN_STOP_FAILED");
    expect(err.message).toBe(
      `glassfish-ims DOMAIN_STOP_FAILED: cannot stop the GlassFish domain of ${d.file} before writing it: the stop command \`sh -c echo cannot reach the DAS >&2; exit 3\` exited with code 3:\ncannot reach the DAS. Nothing was written; check the Domain's stopCommand, or stop the domain yourself (the next \`pulumi up\` starts it again if it is left down)`,
    );
    expect(d.read()).toBe(ORIGINAL);
    // The marker stays: a stop that failed may still have reached the DAS (see lifecycle.ts).
    expect(config()).toEqual(["domain.xml", "glassfish-ims.stopped"]);
  });

  it("a DAS still running at the stop's time bound: DOMAIN_STOP_FAILED, nothing written", async () => {
    const das = await standIn(d.dir);
    await manage({ stopCommand: ["true"], stopTimeoutSeconds: 1 });
    const err = await rejection(create(virt()));
    expect(err.message).toContain(
      `before writing it: process ${das.pid} still runs 1 s after the stop command. Nothing was written`,
    );
    expect(d.read()).toBe(ORIGINAL);
    // The marker stays: a stop that failed may still have reached the DAS (see lifecycle.ts).
    expect(config()).toEqual(["domain.xml", "glassfish-ims.stopped"]);
  });

  it("stops it before the write, leaving the marker for the DomainStart", async () => {
    const das = await standIn(d.dir);
    await manage({ stopCommand: ["kill", String(das.pid)], startCommand: ["true"] });
    await create(virt());
    expect(d.read()).toContain('<libvirt-virtualization name="kvm"');
    const marker = JSON.parse(
      readFileSync(path.join(path.dirname(d.file), "glassfish-ims.stopped"), "utf8"),
    );
    expect(marker).toMatchObject({
      stoppedBy: "glassfish-ims",
      pid: das.pid,
      startCommand: ["true"],
    });
  });

  it("a batch that writes nothing does not stop it", async () => {
    await standIn(d.dir);
    const log = path.join(d.dir, "stopped");
    await manage({ stopCommand: ["touch", log] });
    const r = await editDomain(d.file, () => ({ value: 1, changed: false }));
    expect(r).toEqual({ value: 1, changed: false });
    expect(existsSync(log)).toBe(false);
    expect(d.read()).toBe(ORIGINAL);
  });

  it("a DomainStart that finds the marker and the DAS running only removes the marker", async () => {
    const das = await standIn(d.dir);
    const started = path.join(d.dir, "started");
    await manage({ stopCommand: ["sh", "-c", "exit 1"], startCommand: ["touch", started] });
    expect((await rejection(create(virt()))).code).toBe("DOMAIN_STOP_FAILED");
    const checked = await domainStart.check({}, { domainXml: d.file, triggers: [] });
    expect(checked.inputs.pendingStart).toMatch(/^stopped by glassfish-ims at \d{4}-/);
    const r = await domainStart.create(checked.inputs as { domainXml: string });
    expect(r.outs).toMatchObject({ started: false, pid: das.pid });
    expect(existsSync(started)).toBe(false);
    expect(config()).toEqual(["domain.xml"]);
  });

  it("through the engine's operations, a DomainStart with nothing else changed sees the marker", async () => {
    await standIn(d.dir);
    await manage({ stopCommand: ["sh", "-c", "exit 1"] });
    expect((await rejection(create(virt()))).code).toBe("DOMAIN_STOP_FAILED");
    // The same triggers as the recorded state: only the marker can make this a change.
    const olds = { domainXml: d.file, triggers: [], ensureRunning: false, started: true };
    const checked = await providers.DomainStart.check(olds, { domainXml: d.file, triggers: [] });
    expect(checked.inputs.pendingStart).toMatch(/^stopped by glassfish-ims at \d{4}-/);
    const diff = await providers.DomainStart.diff("id", olds, checked.inputs);
    expect(diff.changes).toBe(true);
  });
});
