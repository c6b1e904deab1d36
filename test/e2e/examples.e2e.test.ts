import { XMLParser } from "fast-xml-parser";
import { existsSync, readFileSync } from "fs";
import * as path from "path";
import { execFileSync, spawnSync } from "child_process";
import { Lab, labUnavailable } from "../lab/lab";
import { libvirtdUnavailable } from "../lab/libvirtd";
import { fixture } from "../support/fixtures";
import { tempDomain } from "../support/domain";
import { SEED, seedElements } from "../support/seed";
import { opsOf, TestProject } from "./harness";

jest.setTimeout(240_000);

const ORIGINAL = fixture("domain.xml");
const EXAMPLES = path.join(__dirname, "..", "..", "examples");

describe("examples/virtualization (TypeScript, as a user runs it)", () => {
  it("previews, applies and destroys", async () => {
    const domain = tempDomain(ORIGINAL);
    const project = await TestProject.create(path.join(EXAMPLES, "virtualization"));
    try {
      await project.config("domainXml", domain.file);
      expect(opsOf(await project.preview(), "Virtualization")).toEqual(["create", "create"]);
      await project.up();
      // The engine creates both at once: either may land first.
      const kvm = '    <libvirt-virtualization name="kvm" type="libvirt"/>';
      const sandbox =
        '    <libvirt-virtualization name="sandbox" type="libvirt" connection-string="test:///default" template-cache-size="2"/>';
      const block = (a: string, b: string) =>
        ORIGINAL.replace(
          "</domain>\n",
          `  <virtualizations>\n${a}\n${b}\n  </virtualizations>\n</domain>\n`,
        );
      expect([block(kvm, sandbox), block(sandbox, kvm)]).toContain(domain.read());
      const out = await project.outputs();
      expect(out).toMatchObject({
        kvmConnection: "qemu#{auth.sep}#{auth.method}://#{user.name}@#{target.host}/system",
        kvmEmulator: "/usr/bin/kvm",
        sandboxConnection: "test:///default",
      });
      expect(out.restartTrigger).toMatch(/^[0-9a-f]{16}-[0-9a-f]{16}$/);
      await project.destroy();
      expect(domain.read()).toBe(ORIGINAL);
    } finally {
      project.cleanup();
      domain.cleanup();
    }
  });
});

const noLab = labUnavailable() ?? libvirtdUnavailable();
if (noLab) console.warn(`SKIPPED examples/seed (needs the network lab and libvirtd): ${noLab}`);

describe("examples/seed: the SPEC's asadmin sequence as code, inside the network lab", () => {
  let lab: Lab;
  let ssh: { command: string; keyfile: string };
  let createdUser = false;
  beforeAll(async () => {
    if (noLab) return;
    // The DAS has br0 on the pool subnet (cscotun0 is missing) and its own libvirtd for the
    // localhost machine; cloud-1 (found by its MAC) and office (fixed ip) are remote machines
    // with sshd and libvirtd, reached as the pool user "cloud" over qemu+ssh.
    lab = await Lab.create({
      prefix: 24,
      ports: [{ name: "br0", cidr: "10.132.181.1/24" }],
      hosts: [
        { name: "cloud-1", ip: SEED.cloud1Ip, mac: SEED.cloud1Mac },
        { name: "office", ip: SEED.officeIp, mac: "02:00:00:00:00:57" },
      ],
    });
    ssh = await lab.serveLibvirtOverSsh("cloud-1");
    await lab.serveLibvirtOverSsh("office");
    await lab.startDasLibvirtd();
    if (spawnSync("getent", ["passwd", "cloud"]).status !== 0) {
      // "*": no password, but not locked ("!"), which sshd without PAM would refuse.
      execFileSync("useradd", ["-M", "-s", "/bin/sh", "-p", "*", "cloud"]);
      createdUser = true;
    }
    // A fresh libvirtd probes QEMU on its first connection (seconds): do that before timing anything.
    for (const uri of [
      "qemu:///system",
      `qemu+ssh://cloud@10.132.181.23/system?${q()}`,
      `qemu+ssh://cloud@10.132.181.57/system?${q()}`,
    ]) {
      await lab.request({ op: "connect", uri, timeoutMs: 90_000 });
    }
  }, 240_000);
  afterAll(() => {
    lab?.destroySync();
    if (createdUser) execFileSync("userdel", ["cloud"]);
  });
  const q = () => `keyfile=${ssh.keyfile}&command=${ssh.command}`;

  (noLab ? it.skip : it)(
    "writes SPEC section 2 element by element; every machine gets its IP and is verified over libvirt",
    async () => {
      const domain = tempDomain(ORIGINAL);
      const project = await TestProject.create(path.join(EXAMPLES, "seed"), "e2e", (argv) =>
        lab.dasArgv(argv),
      );
      try {
        await project.config("domainXml", domain.file);
        await project.config(
          "connectionString",
          `qemu#{auth.sep}#{auth.method}://#{user.name}@#{target.host}/system?${q()}`,
        );
        await project.config("allowUriCommand", "true");
        await project.up();
        const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(
          domain.read(),
        );
        const kvm = parsed.domain.virtualizations["libvirt-virtualization"];
        expect(kvm).toMatchObject({ name: "kvm", type: "libvirt" });
        expect(kvm["emulator-path"]).toBeUndefined();
        const pool = kvm["server-pool"];
        const seed = seedElements();
        expect(pool).toMatchObject(seed.pool);
        expect(pool.user).toEqual(seed.poolUser);
        const machines = Object.fromEntries(
          (pool.machines as Array<Record<string, unknown>>).map((m) => [m.name, m]),
        );
        expect(machines).toEqual(seed.machines);
        const qemu = expect.stringMatching(/^QEMU \d+\.\d+/);
        expect((await project.outputs()).machines).toEqual({
          local: {
            ip: "127.0.0.1",
            resolvedBy: "localhost",
            uri: `qemu:///system?${q()}`,
            hypervisor: qemu,
          },
          "cloud-1": {
            ip: "10.132.181.23",
            resolvedBy: "mac",
            uri: `qemu+ssh://cloud@10.132.181.23/system?${q()}`,
            hypervisor: qemu,
          },
          office: {
            ip: "10.132.181.57",
            resolvedBy: "fixed",
            uri: `qemu+ssh://cloud@10.132.181.57/system?${q()}`,
            hypervisor: qemu,
          },
        });
        const cache = path.join(domain.dir, "virt", "cache", "cloud.cache");
        expect(readFileSync(cache, "utf8")).toBe("cloud-1=10.132.181.23\n");
        expect((await project.preview()).changeSummary).toEqual({ same: 8 });
        await project.destroy();
        expect(domain.read()).toBe(ORIGINAL);
        expect(readFileSync(cache, "utf8")).toBe("");
      } finally {
        project.cleanup();
        domain.cleanup();
      }
    },
    240_000,
  );
});

describe("examples/restart (a change to a running domain in one up)", () => {
  it("stops the DAS once before the write and starts it once after; an unchanged up touches nothing; destroy leaves it running", async () => {
    // The DAS is a stand-in: a process whose command line names the domain and whose pid is in
    // config/pid, as GlassFish's JVM. The Domain's commands stop and start it and log each call.
    const domain = tempDomain(ORIGINAL);
    const project = await TestProject.create(path.join(EXAMPLES, "restart"));
    const log = path.join(project.base, "das.log");
    const pidFile = path.join(domain.dir, "config", "pid");
    const das = `${JSON.stringify(process.execPath)} -e 'require("fs").writeFileSync(process.argv[2], String(process.pid)); setInterval(() => {}, 1000)' -- -Dcom.sun.aas.instanceRoot=${domain.dir} ${pidFile}`;
    const calls = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []);
    const pid = () => (existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : undefined);
    // Alive and not a zombie (an exited stand-in waits for a parent that may never reap it).
    const alive = (p: number | undefined) => {
      try {
        return p !== undefined && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${p}/stat`, "utf8"));
      } catch {
        return false;
      }
    };
    try {
      await project.config("domainDir", domain.dir);
      await project.config(
        "stopCommand",
        JSON.stringify(["sh", "-c", `echo stop >> ${log}; kill $(cat ${pidFile}); rm ${pidFile}`]),
      );
      await project.config(
        "startCommand",
        JSON.stringify([
          "setsid",
          "--wait",
          "sh",
          "-c",
          `echo start >> ${log}; ${das} >/dev/null 2>&1 &`,
        ]),
      );
      spawnSync("setsid", ["sh", "-c", `${das} >/dev/null 2>&1 &`]);
      await until(() => alive(pid()));
      const first = pid();

      await project.up();
      expect(calls()).toEqual(["stop", "start"]);
      expect(domain.read()).toContain('<server-pool name="cloud"');
      expect(alive(first)).toBe(false);
      expect(alive(pid())).toBe(true);
      expect((await project.outputs()).domainStarted).toBe(true);

      const second = pid();
      expect((await project.preview()).changeSummary).toEqual({ same: 7 });
      await project.up();
      expect(calls()).toEqual(["stop", "start"]);
      expect(pid()).toBe(second);

      // destroy: the deletes stop the domain, the Domain (deleted last) starts it again.
      await project.destroy();
      expect(calls()).toEqual(["stop", "start", "stop", "start"]);
      expect(domain.read()).toBe(ORIGINAL);
      expect(alive(pid())).toBe(true);
    } finally {
      if (alive(pid())) process.kill(pid() as number, "SIGKILL");
      project.cleanup();
      domain.cleanup();
    }
  });
});

/** Polls `ok` every 50 ms for up to 10 s. */
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!ok()) throw new Error("timed out");
}
