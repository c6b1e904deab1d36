import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";
import { XMLValidator } from "fast-xml-parser";
import {
  DAS_IP,
  DasHostLab,
  RENAME_HOOK_PORT,
  dasHostUnavailable,
  type ExtraDasHost,
} from "../lab/das-host";
import { fixture } from "../support/fixtures";
import type { TestProject } from "./harness";
import { TestProject as Project } from "./harness";
import { BASE, clone, ORIGINAL, PROGRAM as IMS_PROGRAM } from "./ims-setup";
import { changedSteps, ensureYamlHost, pluginProject, type DetailedStep } from "./plugin-setup";

// The seed's asadmin sequence as a Pulumi YAML program on the provider plugin, on a DAS host that
// is another host: a network namespace with its own mount namespace (its /srv exists only
// there), a real sshd, reached from a "CI" namespace where the pulumi CLI runs. The host
// namespace sees neither the DAS host's files nor its address.
jest.setTimeout(600_000);

const PROGRAM = path.join(__dirname, "programs", "yaml-remote");
const FILE = "/srv/glassfish/domains/domain1/config/domain.xml";
const unavailable = ensureYamlHost() ?? dasHostUnavailable();
if (unavailable) console.warn(`SKIPPED remote DAS e2e tests: ${unavailable}`);

let lab: DasHostLab;
beforeAll(async () => {
  if (!unavailable) lab = await DasHostLab.create();
});
afterAll(() => lab?.destroySync());
/** Every CLI run (the engine, the providers and their SSH session) inside the CI namespace. */
const inCi = (argv: string[]) => ["ip", "netns", "exec", lab.ci, ...argv];

(unavailable ? describe.skip : describe)("the asadmin sequence on a remote DAS over SSH", () => {
  let project: TestProject;
  const remote = () => lab.readFile(FILE).toString("utf8");
  const preview = async () => {
    const r = await project.ok(["preview", "--json", "--diff"]);
    return JSON.parse(r.stdout) as { steps: DetailedStep[]; changeSummary: Record<string, number> };
  };

  beforeAll(async () => {
    lab.putFile(FILE, ORIGINAL);
    // Every CLI run (and so the engine, the plugin and its SSH session) is inside the CI namespace.
    project = await pluginProject(PROGRAM, "e2e", (argv) => [
      "ip",
      "netns",
      "exec",
      lab.ci,
      ...argv,
    ]);
    await project.config("domainXml", FILE);
    await project.config("dasHost", DAS_IP);
    await project.config("hostKey", lab.hostKey);
    const key64 = Buffer.from(lab.key.privateKey).toString("base64");
    await project.ok(["config", "set", "--secret", "privateKeyBase64", key64]);
  });
  afterAll(async () => {
    if (project) {
      await project.run(["destroy", "--yes", "--skip-preview"]);
      project.cleanup();
    }
  });

  it("keeps the domain on the DAS host only: the host namespace has no such file", () => {
    expect(existsSync(FILE)).toBe(false);
    expect(remote()).toBe(ORIGINAL);
  });

  it("previews one create per resource and writes nothing on the DAS host", async () => {
    const planned = await preview();
    expect(planned.changeSummary.create).toBe(8);
    expect(remote()).toBe(ORIGINAL);
  });

  it("up writes on the DAS host the bytes the local plugin writes for the same program", async () => {
    await project.up();
    expect(remote()).toBe(fixture("golden/domain-seeded-no-mac.xml"));
    // The version before the last write is kept as .bak, and no temp, pin or lock file is left;
    // the create journal is beside the file on the DAS host, as it is beside a local one.
    expect(lab.dasShell('ls -A "$(dirname "$1")"', FILE).trim().split("\n").sort()).toEqual([
      "domain.xml",
      "domain.xml.bak",
      "domain.xml.ims-journal",
    ]);
  });

  it("a preview after up changes nothing", async () => {
    const planned = await preview();
    expect(Object.keys(changedSteps(planned.steps))).toEqual([]);
    expect(planned.changeSummary.same).toBe(8);
  });

  it("refresh finds a hand edit made on the DAS host, and up repairs it", async () => {
    lab.dasShell(`sed -i 's/sub-net="10.132.181.0\\/24"/sub-net="10.132.182.0\\/24"/' "$1"`, FILE);
    const refreshed = await project.ok(["refresh", "--yes", "--diff"]);
    expect(refreshed.stdout).toContain("10.132.182.0/24");
    await project.up();
    expect(remote()).toBe(fixture("golden/domain-seeded-no-mac.xml"));
  });

  it("never writes the private key into the state or the CLI's output", async () => {
    const exported = await project.ok(["stack", "export", "--show-secrets=false"]);
    const key64 = Buffer.from(lab.key.privateKey).toString("base64");
    const body = [...lab.key.privateKey.split("\n").filter((l) => l.length > 20), key64];
    const stateFiles = readdirSync(project.stateDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => readFileSync(path.join(e.parentPath, e.name), "utf8"));
    for (const text of [exported.stdout, exported.stderr, ...stateFiles]) {
      for (const line of body) expect(text).not.toContain(line);
    }
  });

  it("destroy gives the DAS host its original bytes back", async () => {
    await project.ok(["destroy", "--yes", "--skip-preview"]);
    expect(remote()).toBe(ORIGINAL);
  });
});

(unavailable ? describe.skip : describe)(
  "the asadmin sequence on a remote DAS over SSH, in the dynamic mode (TypeScript SDK)",
  () => {
    const file = "/srv/glassfish/domains/domain2/config/domain.xml";
    let project: Project;
    beforeAll(async () => {
      lab.putFile(file, ORIGINAL);
      project = await Project.create(IMS_PROGRAM, "e2e", inCi);
      const spec = clone(BASE);
      spec.virtualizations = spec.virtualizations.filter((v) => v.resource === "kvm");
      await project.config("domainXml", file);
      await project.config("spec", JSON.stringify(spec));
      const connection = { host: DAS_IP, privateKey: lab.key.privateKey, hostKey: lab.hostKey };
      await project.ok(["config", "set", "--secret", "connection", JSON.stringify(connection)]);
    });
    afterAll(() => project?.cleanup());

    it("up writes the same bytes on the DAS host as the plugin, and destroy restores them", async () => {
      await project.up();
      expect(lab.readFile(file).toString("utf8")).toBe(fixture("golden/domain-seeded-no-mac.xml"));
      const again = await project.ok(["preview", "--json"]);
      const summary = (JSON.parse(again.stdout) as { changeSummary: Record<string, number> })
        .changeSummary;
      expect(summary.same).toBe(7);
      expect(Object.keys(summary)).toEqual(["same"]);
      const exported = await project.ok(["stack", "export"]);
      for (const line of lab.key.privateKey.split("\n").filter((l) => l.length > 20)) {
        expect(exported.stdout).not.toContain(line);
      }
      await project.ok(["destroy", "--yes", "--skip-preview"]);
      expect(lab.readFile(file).toString("utf8")).toBe(ORIGINAL);
    });
  },
);

(unavailable ? describe.skip : describe)(
  "the connection to the DAS host cut in the rename window of an up (dynamic mode)",
  () => {
    let project: Project;
    const spec = clone(BASE);
    spec.virtualizations = spec.virtualizations.filter((v) => v.resource === "kvm");
    beforeAll(async () => {
      await lab.addSshdWithRenameHook();
      project = await Project.create(IMS_PROGRAM, "e2e", inCi);
      await project.config("spec", JSON.stringify(spec));
      // The rename hook's sshd: the DAS host's own files, a `mv` the test can hold.
      const connection = {
        host: DAS_IP,
        port: RENAME_HOOK_PORT,
        privateKey: lab.key.privateKey,
        hostKey: lab.hostKey,
      };
      await project.ok(["config", "set", "--secret", "connection", JSON.stringify(connection)]);
    });
    afterAll(() => project?.cleanup());

    it.each(["before", "after"] as const)(
      "%s the rename: up fails SSH_ERROR, the file is whole throughout, and the next up converges",
      async (mode) => {
        const file = `/srv/glassfish/domains/cut-${mode}/config/domain.xml`;
        const read = () => lab.readFile(file).toString("utf8");
        lab.putFile(file, ORIGINAL);
        await project.config("domainXml", file);
        lab.armRenameHook(mode);
        const up = project.run(["up", "--yes", "--skip-preview"]);
        const mv = await lab.renameHookReached();
        const held = read();
        expect(XMLValidator.validate(held)).toBe(true);
        if (mode === "before") expect(held).toBe(ORIGINAL);
        else expect(held).not.toBe(ORIGINAL);
        lab.cutAtRenameHook(mv);
        const failed = await up;
        expect(failed.code).not.toBe(0);
        expect(failed.stdout).toContain(
          `glassfish-ims SSH_ERROR: the SSH session to root@${DAS_IP}:${RENAME_HOOK_PORT} ended while a command ran: its outcome is unknown`,
        );
        expect(read()).toBe(held);
        // The documented recovery of a failed up: run it again. No hand edit, no ALREADY_EXISTS.
        await project.up();
        expect(read()).toBe(fixture("golden/domain-seeded-no-mac.xml"));
        const again = JSON.parse((await project.ok(["preview", "--json"])).stdout) as {
          changeSummary: Record<string, number>;
        };
        expect(again.changeSummary).toEqual({ same: 7 });
        await project.destroy();
        expect(read()).toBe(ORIGINAL);
      },
    );
  },
);

(unavailable ? describe.skip : describe)(
  "one program, three DAS hosts: an explicit provider each (plugin mode, YAML)",
  () => {
    const file = "/srv/glassfish/domains/domain1/config/domain.xml";
    let project: TestProject;
    let hosts: Array<{ n: number; ip: string; hostKey: string; read: () => string }>;
    beforeAll(async () => {
      // The lab's DAS host is host 1; hosts 2 and 3 are added beside it, each linked to CI only.
      const extra: ExtraDasHost[] = [await lab.addDasHost(2), await lab.addDasHost(3)];
      lab.putFile(file, ORIGINAL);
      for (const h of extra) h.putFile(file, ORIGINAL);
      hosts = [
        { n: 1, ip: DAS_IP, hostKey: lab.hostKey, read: () => lab.readFile(file).toString() },
        ...extra.map((h, i) => ({
          n: i + 2,
          ip: h.ip,
          hostKey: h.hostKey,
          read: () => h.readFile(file).toString(),
        })),
      ];
      project = await pluginProject(path.join(__dirname, "programs", "yaml-remote-3"), "e2e", inCi);
      await project.config("domainXml", file);
      for (const h of hosts) {
        await project.config(`das${h.n}Host`, h.ip);
        await project.config(`das${h.n}HostKey`, h.hostKey);
      }
      const key64 = Buffer.from(lab.key.privateKey).toString("base64");
      await project.ok(["config", "set", "--secret", "privateKeyBase64", key64]);
    });
    afterAll(() => project?.cleanup());

    /** What host `n`'s file holds after up: its own pool's subnet and machine ip, once each. */
    const expectOwn = (text: string, n: number) => {
      expect(XMLValidator.validate(text)).toBe(true);
      for (const m of hosts.map((h) => h.n)) {
        const count = text.split(`10.132.18${m}.`).length - 1;
        // The pool's sub-net and the machine's ip, on its own host only.
        expect([m, count]).toEqual([m, m === n ? 2 : 0]);
      }
      expect(text.match(/<libvirt-virtualization name="kvm"/g)).toHaveLength(1);
      expect(text.match(/<machines name="office">/g)).toHaveLength(1);
    };

    it("up writes each host's own resources into its own domain, a preview then changes nothing, destroy restores all three", async () => {
      await project.up();
      const written = hosts.map((h) => h.read());
      hosts.forEach((h, i) => expectOwn(written[i], h.n));
      // Apart from its subnet, each file is what the others are: the same program on each host.
      const norm = (t: string) => t.replace(/10\.132\.18\d\./g, "10.132.18X.");
      expect(new Set(written.map(norm)).size).toBe(1);
      const outputs = await project.outputs();
      expect(outputs).toEqual({
        office1Ip: "10.132.181.57",
        office2Ip: "10.132.182.57",
        office3Ip: "10.132.183.57",
      });
      const again = JSON.parse((await project.ok(["preview", "--json"])).stdout) as {
        changeSummary: Record<string, number>;
      };
      // The stack, three providers and three resources on each host.
      expect(again.changeSummary).toEqual({ same: 13 });
      await project.destroy();
      for (const h of hosts) expect(h.read()).toBe(ORIGINAL);
    });

    it("the same in the dynamic mode: each resource's connection input, the same names on every host", async () => {
      const dynamic = await Project.create(
        path.join(__dirname, "programs", "nodejs-remote-3"),
        "e2e",
        inCi,
      );
      try {
        await dynamic.config("domainXml", file);
        await dynamic.config("hostCount", "3");
        const connections = hosts.map((h) => ({
          host: h.ip,
          privateKey: lab.key.privateKey,
          hostKey: h.hostKey,
        }));
        await dynamic.ok(["config", "set", "--secret", "hosts", JSON.stringify(connections)]);
        await dynamic.up();
        const written = hosts.map((h) => h.read());
        // One program on three hosts: three identical files, each with one of each element.
        expect(new Set(written).size).toBe(1);
        expect(XMLValidator.validate(written[0])).toBe(true);
        expect(written[0]).not.toBe(ORIGINAL);
        expect(written[0].match(/<libvirt-virtualization name="kvm"/g)).toHaveLength(1);
        expect(written[0].match(/<machines name="office">/g)).toHaveLength(1);
        const again = JSON.parse((await dynamic.ok(["preview", "--json"])).stdout) as {
          changeSummary: Record<string, number>;
        };
        expect(again.changeSummary).toEqual({ same: 10 });
        await dynamic.destroy();
        for (const h of hosts) expect(h.read()).toBe(ORIGINAL);
      } finally {
        dynamic.cleanup();
      }
    });
  },
);
