import { createHash } from "crypto";
import { existsSync, readFileSync } from "fs";
import * as path from "path";
import { GLASSFISH_VERSION, glassFishInstall, processesOf, waitFor } from "../lab/glassfish";
import { GlassFishHost, SSH_PORT } from "../lab/glassfish-host";
import type { TestProject } from "./harness";
import { editProgram, ensureYamlHost, pluginProject } from "./plugin-setup";

// The DAS lifecycle over the remote connection (issue 19 item 6), through the real CLI and the
// provider plugin from YAML, against a real GlassFish DAS on a DAS host of its own
// (test/lab/glassfish-host.ts): a loopback-only network namespace holding the DAS host's sshd
// on 127.0.0.1 and, in the DAS host's own mount namespace, the domain and its JVM. The CLI runs
// in that network namespace but in the machine's mount namespace, where the domain directory
// does not exist: every look at the domain (its stat, the marker, the durable opt-in, config/pid)
// and every stop and start has to go over SSH, and a step that used this machine instead fails.
//
// The stop and start commands are scripts on the DAS host around asadmin; each logs its begin
// (and end) with the time and the SHA-256 of domain.xml then, into a log on the DAS host. That
// log, config/pid and the process table are what the tests assert on (as
// lifecycle-glassfish.e2e.test.ts does locally). GlassFish 7 has no IMS: the program sets
// allowUnsupportedGlassFish, and the changes are a virtualization and a pool, which GlassFish
// 7.0.21 skips ("Ignoring unrecognized element virtualizations") and leaves as written; a
// Machine's text children make it restore domain.xml.bak instead (see that file's comment).
//
// GlassFish starts here: 1 (before the tests) + 1 per test 1, 2 and 4: four, 5-35 s each.
jest.setTimeout(900_000);

const install = glassFishInstall();
const unavailable =
  ("skip" in install ? install.skip : undefined) ??
  ensureYamlHost() ??
  (existsSync("/usr/sbin/sshd") ? undefined : "openssh-server is not installed");
if (unavailable) console.warn(`SKIPPED the remote DAS lifecycle tests: ${unavailable}`);

const PROGRAM = path.join(__dirname, "programs", "yaml-remote-lifecycle");

const STOP_SH = `#!/bin/sh
log=$1 asadmin=$2 domains=$3
cfg=$domains/domain1/config
note() { echo "$1 $(date +%s%N) $(sha256sum < $cfg/domain.xml | cut -c1-64)" >> "$log"; }
note stop-begin
"$asadmin" stop-domain --domaindir "$domains" domain1
rc=$?
note stop-end
exit $rc
`;

const START_SH = `#!/bin/sh
log=$1 asadmin=$2 domains=$3
cfg=$domains/domain1/config
note() { echo "$1 $(date +%s%N) $(sha256sum < $cfg/domain.xml | cut -c1-64)" >> "$log"; }
note start-begin
"$asadmin" start-domain --domaindir "$domains" domain1
rc=$?
note start-end
exit $rc
`;

interface Event {
  what: "stop-begin" | "stop-end" | "start-begin" | "start-end";
  ns: bigint;
  sha: string;
}

const sha = (b: Buffer | undefined) =>
  createHash("sha256")
    .update(b ?? Buffer.alloc(0))
    .digest("hex");

(unavailable ? describe.skip : describe)(
  `the DAS lifecycle over SSH on a real GlassFish ${GLASSFISH_VERSION} (YAML, provider plugin)`,
  () => {
    let das: GlassFishHost;
    let project: TestProject;
    let log: string;

    const events = (): Event[] =>
      (das.readFile(log)?.toString("utf8") ?? "")
        .trim()
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => {
          const [what, ns, hash] = l.split(" ");
          return { what: what as Event["what"], ns: BigInt(ns), sha: hash };
        });
    const remote = () => das.readFile(das.file);
    const configFiles = () => das.shell('ls -A "$1"', path.dirname(das.file)).trim().split("\n");

    beforeAll(async () => {
      if (!("home" in install)) return;
      das = await GlassFishHost.create(install.home);
      log = `${das.labDir}/lifecycle.log`;
      das.putFile(`${das.labDir}/stop.sh`, STOP_SH);
      das.putFile(`${das.labDir}/start.sh`, START_SH);
      // Every CLI run (the engine, the plugin and its SSH session) in the DAS host's network
      // namespace, in the machine's mount namespace.
      project = await pluginProject(PROGRAM, "e2e", (argv) => [
        "ip",
        "netns",
        "exec",
        das.ns,
        ...argv,
      ]);
      const asadmin = path.join(install.home, "bin", "asadmin");
      const domains = path.dirname(das.domainDir);
      editProgram(
        project,
        "STOP_COMMAND",
        JSON.stringify(["sh", `${das.labDir}/stop.sh`, log, asadmin, domains]),
      );
      editProgram(
        project,
        "START_COMMAND",
        JSON.stringify(["setsid", "--wait", "sh", `${das.labDir}/start.sh`, log, asadmin, domains]),
      );
      await project.config("domainDir", das.domainDir);
      await project.ok(["config", "set", "--path", "dasPort", String(SSH_PORT)]);
      await project.config("hostKey", das.connection.hostKey);
      const key64 = Buffer.from(das.connection.privateKey).toString("base64");
      await project.ok(["config", "set", "--secret", "privateKeyBase64", key64]);
      const started = await das.start();
      if (started.code !== 0) throw new Error(`GlassFish did not start:\n${started.output}`);
      await waitFor("config/pid", () => das.runningPid() !== undefined, 60_000);
    }, 300_000);

    afterAll(() => {
      if (das && log) {
        // The closing note's figures: how many stops and starts, and how long each took.
        const e = events();
        const spans = (from: Event["what"], to: Event["what"]) =>
          e.flatMap((x, i) => {
            const end = e[i + 1];
            return x.what === from && end?.what === to
              ? [`${(Number(end.ns - x.ns) / 1e9).toFixed(1)} s`]
              : [];
          });
        console.log(
          `GlassFish ${GLASSFISH_VERSION} lifecycle over SSH: ${e.filter((x) => x.what === "stop-begin").length} stops (${spans("stop-begin", "stop-end").join(", ")}), ${e.filter((x) => x.what === "start-begin").length} starts (${spans("start-begin", "start-end").join(", ")})`,
        );
      }
      project?.killLeftovers();
      das?.destroy();
      project?.cleanup();
    });

    it("keeps the domain on the DAS host only: the CLI's mount namespace has no such path", () => {
      expect(existsSync(das.domainDir)).toBe(false);
      expect(existsSync(path.dirname(das.domainDir))).toBe(false);
      expect(remote()?.toString()).toContain(
        '<property name="administrative.domain.name" value="domain1"/>',
      );
    });

    it("1. a first up against the running DAS: one stop before the first write, one start after the last, over SSH", async () => {
      const before = remote();
      const oldPid = das.runningPid();
      expect(oldPid).toBeDefined();

      await project.up();
      const after = remote();
      const e = events();
      expect(e.map((x) => x.what)).toEqual(["stop-begin", "stop-end", "start-begin", "start-end"]);
      expect(e[0].sha).toBe(sha(before));
      expect(e[1].sha).toBe(sha(before));
      expect(e[2].sha).toBe(sha(after));
      expect(after?.toString()).toContain('<libvirt-virtualization name="kvm"');
      const newPid = das.runningPid();
      expect(newPid).toBeDefined();
      expect(newPid).not.toBe(oldPid);
      expect(await project.outputs()).toEqual({ started: true, pid: newPid });
      // The opt-in's durable copy is on the DAS host, the marker is gone again.
      expect(configFiles()).toContain("glassfish-ims.domain.json");
      expect(configFiles()).not.toContain("glassfish-ims.stopped");
      // The private key is provider configuration: secret in the state.
      const state = (await project.ok(["stack", "export"])).stdout;
      expect(state).not.toContain(das.connection.privateKey.split("\n")[1]);
    });

    it("2. adding a pool to a running DAS: exactly one stop before the write and one start after it", async () => {
      const before = remote();
      const oldPid = das.runningPid();
      const n = events().length;
      const file = path.join(project.dir, "Pulumi.yaml");
      const text = readFileSync(file, "utf8");
      editProgram(project, text, text.replace(/#POOL ?/g, ""));

      const planned = await project.preview();
      expect(planned.changeSummary).toEqual({ create: 1, update: 1, same: 4 });
      expect(events().length).toBe(n);
      expect(das.runningPid()).toBe(oldPid);

      await project.up();
      const after = remote();
      const e = events().slice(n);
      expect(e.map((x) => x.what)).toEqual(["stop-begin", "stop-end", "start-begin", "start-end"]);
      // Nothing was written before the stop ended; everything was written before the start began.
      expect(e[0].sha).toBe(sha(before));
      expect(e[1].sha).toBe(sha(before));
      expect(e[2].sha).toBe(sha(after));
      expect(after?.toString()).toContain('<server-pool name="cloud"');
      const newPid = das.runningPid();
      expect(newPid).toBeDefined();
      expect(newPid).not.toBe(oldPid);
      expect(await project.outputs()).toEqual({ started: true, pid: newPid });
      // GlassFish 7 ignored <virtualizations> and left the file as written.
      expect(sha(remote())).toBe(sha(after));
      expect(das.readFile(`${das.domainDir}/logs/server.log`)?.toString()).toContain(
        "Ignoring unrecognized element virtualizations",
      );
    });

    it("3. an up with no change neither stops nor starts, and the DAS keeps its pid", async () => {
      const pid = das.runningPid();
      expect(pid).toBeDefined();
      const n = events().length;
      expect((await project.preview()).changeSummary).toEqual({ same: 6 });
      await project.up();
      expect(events().length).toBe(n);
      expect(das.runningPid()).toBe(pid);
      await project.refresh();
      expect(events().length).toBe(n);
      expect(das.runningPid()).toBe(pid);
    });

    it("4. destroy stops the DAS once, removes what it wrote, and the Domain's delete starts it again", async () => {
      const n = events().length;
      await project.destroy();
      const e = events().slice(n);
      expect(e.map((x) => x.what)).toEqual(["stop-begin", "stop-end", "start-begin", "start-end"]);
      expect(remote()?.toString()).not.toContain("<virtualizations");
      expect(das.runningPid()).toBeDefined();
      expect(configFiles()).not.toContain("glassfish-ims.domain.json");
      expect(configFiles()).not.toContain("glassfish-ims.stopped");
      expect(processesOf(das.domainDir).length).toBeGreaterThan(0);
    });
  },
);
