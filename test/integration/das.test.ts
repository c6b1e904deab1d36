import type { ChildProcess } from "child_process";
import { readdirSync, symlinkSync, writeFileSync } from "fs";
import * as path from "path";
import { createServer, type AddressInfo } from "net";
import { findRunningDas } from "../../provider/store/das";
import { sshHost } from "../../provider/store/remote";
import { create } from "../../provider/resources/virtualization";
import { fixture } from "../support/fixtures";
import { storeTargets } from "../support/targets";
import { dasStandIns, rejection, tempDomain } from "../support/domain";

// A stand-in for a starting DAS: a live process whose command line carries the argument the
// GlassFish JVM carries, before any config/pid exists.
const ORIGINAL = fixture("domain.xml");
let domain: ReturnType<typeof tempDomain>;
const standIns = dasStandIns();
const standIn = standIns.start;
beforeEach(() => (domain = tempDomain(ORIGINAL)));
afterEach(() => {
  standIns.killAll();
  domain.cleanup();
});

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

const leftovers = () => readdirSync(path.dirname(domain.file)).filter((f) => f !== "domain.xml");

describe.each(storeTargets())(
  "a DAS found by its command line, through the $name effects",
  (target) => {
    beforeAll(() => target.start(), 60_000);
    if (target.name === "ssh") jest.setTimeout(60_000);
    afterAll(() => target.stop());
    const virt = () => ({
      domainXml: domain.file,
      name: "kvm",
      emulator: "test" as const,
      ...target.inputs(),
    });
    const find = (note?: () => void) => findRunningDas(domain.file, target.host(), note);

    it("refuses an edit while a process names the domain directory, before config/pid exists", async () => {
      const das = await standIn(domain.dir);
      const err = await rejection(create(virt()));
      expect(err.code).toBe("DOMAIN_RUNNING");
      expect(err.message).toBe(
        `glassfish-ims DOMAIN_RUNNING: the GlassFish domain of ${target.shown(domain.file)} is running or starting (process ${das.pid}, whose command line names the domain: -Dcom.sun.aas.instanceRoot=${domain.dir}); it would overwrite domain.xml from its own copy. Stop it first (asadmin stop-domain), then run again`,
      );
      expect(domain.read()).toBe(ORIGINAL);
      expect(leftovers()).toEqual([]);
    });

    it("matches a domain directory named through a symlink", async () => {
      const link = `${domain.dir}-link`;
      symlinkSync(domain.dir, link);
      try {
        const das = await standIn(link);
        expect(await find()).toEqual({
          pid: das.pid,
          foundBy: "command-line",
          evidence: `-Dcom.sun.aas.instanceRoot=${link}`,
        });
        expect((await rejection(create(virt()))).code).toBe("DOMAIN_RUNNING");
        expect(domain.read()).toBe(ORIGINAL);
      } finally {
        require("fs").rmSync(link);
      }
    });

    it("ignores a process naming another domain", async () => {
      await standIn(`${domain.dir}-other`);
      expect(await find()).toBeUndefined();
      await create(virt());
      expect(domain.read()).toContain('<libvirt-virtualization name="kvm"');
    });

    it("writes once the DAS is gone, even when kill -9 left its config/pid behind", async () => {
      const das = await standIn(domain.dir);
      writeFileSync(path.join(path.dirname(domain.file), "pid"), String(das.pid));
      expect((await find())?.foundBy).toBe("pid-file");
      das.kill("SIGKILL");
      await exited(das);
      expect(await find()).toBeUndefined();
      await create(virt());
      expect(domain.read()).toContain('<libvirt-virtualization name="kvm"');
    });

    it("writes when config/pid names a live process that is not a JVM of this domain (echo 1 > config/pid)", async () => {
      writeFileSync(path.join(path.dirname(domain.file), "pid"), "1");
      await create(virt());
      expect(domain.read()).toContain('<libvirt-virtualization name="kvm"');
    });

    it("writes when config/pid names the live DAS of another domain, and refuses for this one", async () => {
      const pidFile = path.join(path.dirname(domain.file), "pid");
      const other = await standIn(`${domain.dir}-other`);
      writeFileSync(pidFile, String(other.pid));
      expect(await find(() => undefined)).toBeUndefined();
      const das = await standIn(domain.dir);
      writeFileSync(pidFile, String(das.pid));
      expect(await find()).toEqual({
        pid: das.pid,
        foundBy: "pid-file",
        evidence: pidFile,
      });
    });

    if (target.name === "ssh") {
      it("fails, rather than finding no DAS, when the DAS host cannot be asked", async () => {
        // A loopback port nothing listens on: the dial is refused.
        const port = await new Promise<number>((resolve) => {
          const probe = createServer().listen(0, "127.0.0.1", () => {
            const { port: free } = probe.address() as AddressInfo;
            probe.close(() => resolve(free));
          });
        });
        const { connection } = target.inputs();
        const gone = sshHost({ ...connection!, port, dialErrorLimit: 1 });
        const err = await rejection(findRunningDas(domain.file, gone));
        expect(err.code).toBe("CONNECTION_REFUSED");
      });
    }
  },
);
