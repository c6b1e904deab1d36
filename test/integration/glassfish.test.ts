import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";
import { assertImsSupported } from "../../provider/domain/glassfish";
import { findRunningDas } from "../../provider/store/das";
import { readDomain } from "../../provider/store/store";
import * as virtualization from "../../provider/resources/virtualization";
import { create } from "../../provider/resources/virtualization";
import {
  GLASSFISH_VERSION,
  GlassFishDomain,
  glassFishInstall,
  processesOf,
  waitFor,
  type AsadminResult,
} from "../lab/glassfish";
import { rejection } from "../support/domain";

// One real GlassFish per suite: one start, one stop. The tests run in order and share it.
const install = glassFishInstall();
const skip = "skip" in install ? install.skip : undefined;
if (skip) console.log(`skipping the real GlassFish ${GLASSFISH_VERSION} tests: ${skip}`);
const suite = skip ? describe.skip : describe;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

suite(`a real GlassFish ${GLASSFISH_VERSION} owning the domain`, () => {
  let domain: GlassFishDomain;
  let started: Promise<AsadminResult>;
  const timings: string[] = [];

  beforeAll(() => {
    if ("home" in install) {
      domain = GlassFishDomain.create(install.home);
      timings.push(`fetch/cache check ${seconds(install.fetchMs)}`);
    }
  });
  afterAll(() => {
    domain?.destroy();
    console.log(`GlassFish ${GLASSFISH_VERSION} on this machine: ${timings.join(", ")}`);
  });

  const bytes = () => readFileSync(domain.file);
  /** What an edit of ours could leave beside domain.xml (GlassFish's own files aside). */
  const ourLeftovers = () =>
    readdirSync(path.dirname(domain.file)).filter(
      (f) => f.startsWith(".domain.xml") || f === "domain.xml.lock",
    );
  const virt = () => ({ domainXml: domain.file, name: "kvm", emulator: "kvm" as const });

  it("refuses an edit while GlassFish starts, before it writes config/pid", async () => {
    const pristine = bytes();
    const t = Date.now();
    started = domain.start();
    await waitFor(
      "a GlassFish JVM naming the domain",
      () => processesOf(domain.dir).length > 0,
      60_000,
    );
    const jvmAfter = Date.now() - t;
    expect(existsSync(domain.pidFile)).toBe(false);

    const err = await rejection(create(virt()));

    // Still inside the window the pid file alone misses: the refusal came from the JVM's arguments.
    expect(existsSync(domain.pidFile)).toBe(false);
    expect(err.code).toBe("DOMAIN_RUNNING");
    expect(err.message).toMatch(
      new RegExp(
        `^glassfish-ims DOMAIN_RUNNING: the GlassFish domain of ${domain.file} is running or starting \\(process \\d+, whose command line names the domain: (-Dcom\\.sun\\.aas\\.instanceRoot=|-domaindir )${domain.dir}\\)`,
      ),
    );
    expect(bytes().equals(pristine)).toBe(true);
    expect(ourLeftovers()).toEqual([]);

    await waitFor("config/pid", () => existsSync(domain.pidFile), 180_000);
    const pidAfter = Date.now() - t;
    const result = await started;
    expect(result.output).toContain("Successfully started the domain : domain1");
    expect(result.code).toBe(0);
    timings.push(
      `start-domain ${seconds(result.ms)} (first JVM naming the domain after ${seconds(jvmAfter)}, config/pid after ${seconds(pidAfter)})`,
    );
  }, 240_000);

  it("refuses an edit while GlassFish runs, naming its pid file", async () => {
    // Also when the test before failed early: the start is under way, let it finish.
    await started;
    await waitFor("config/pid", () => existsSync(domain.pidFile), 60_000);
    const before = bytes();
    const pid = readFileSync(domain.pidFile, "utf8").trim();
    const err = await rejection(create(virt()));
    expect(err.code).toBe("DOMAIN_RUNNING");
    expect(err.message).toContain(
      `${domain.file} is running (process ${pid}, from ${domain.pidFile})`,
    );
    expect(bytes().equals(before)).toBe(true);
    expect(ourLeftovers()).toEqual([]);
  }, 240_000);

  it("after GlassFish stops, refuses the domain it stamped as a GlassFish without IMS", async () => {
    const result = domain.stop();
    expect(result.output).toContain("Command stop-domain executed successfully.");
    expect(result.code).toBe(0);
    timings.push(`stop-domain ${seconds(result.ms)}`);
    await waitFor("the GlassFish JVM to exit", () => processesOf(domain.dir).length === 0, 30_000);
    expect(existsSync(domain.pidFile)).toBe(false);
    expect(await findRunningDas(domain.file)).toBeUndefined();

    const before = bytes();
    expect(before.toString("utf8")).toMatch(/<domain [^>]*\bversion="7\.0\.21"/);
    const { doc } = await readDomain(domain.file);
    expect(() => assertImsSupported(doc, domain.file, false)).toThrow(
      `glassfish-ims GLASSFISH_WITHOUT_IMS: refusing to write IMS configuration into ${domain.file}: it was last started by GlassFish 7.0.21 (<domain version="7.0.21">), which has no IMS`,
    );
    expect(() => assertImsSupported(doc, domain.file, true)).not.toThrow();
    // The resources refuse it too, at preview (check) and at up (create), writing nothing.
    const err = await rejection(create(virt()));
    expect(err.code).toBe("GLASSFISH_WITHOUT_IMS");
    const checked = await virtualization.check({}, virt());
    expect(checked.failures).toEqual([
      { property: "domainXml", reason: expect.stringContaining("GLASSFISH_WITHOUT_IMS") },
    ]);
    expect(bytes().equals(before)).toBe(true);
    expect(ourLeftovers()).toEqual([]);
  }, 120_000);
});
