import { mkdtempSync, readdirSync, rmSync, symlinkSync } from "fs";
import * as os from "os";
import * as path from "path";
import { sweepEffectsOn } from "../../provider/net/host-sweep";
import { VIRSH } from "../../provider/libvirt/connect";
import { virshOn } from "../../provider/libvirt/host-virsh";
import { SYSTEM } from "../../provider/net/sweep";
import type { Host } from "../../provider/store/effects";
import { localHost, localRun } from "../../provider/store/local";

// The DAS-host effects of discovery and of the libvirt check run their real scripts here, on a
// Host whose commands run on this machine (as an SSH host's run on the DAS host), with a PATH
// that has every program of this machine but the ones named: a DAS host without those tools.
// Nothing is sent except to loopback.

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A Host that runs commands here, with a PATH holding every program but `without`. */
function hostWithout(...without: string[]): Host {
  const bin = mkdtempSync(path.join(os.tmpdir(), "gfims-bin-"));
  dirs.push(bin);
  for (const dir of ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      if (without.includes(n)) continue;
      try {
        symlinkSync(path.join(dir, n), path.join(bin, n));
      } catch {
        // Already linked from an earlier directory.
      }
    }
  }
  return {
    ...localHost,
    id: "ssh:root@das:22",
    label: "root@das:22",
    run: (command, args, options) =>
      localRun(command, args, { ...options, env: { ...options.env, PATH: bin } }),
  };
}

describe("sweep effects on a DAS host", () => {
  it("reads the same IPv4 interfaces with ip -j addr as os.networkInterfaces() gives", async () => {
    const ifs = await sweepEffectsOn(hostWithout()).interfaces();
    const v4 = (d: NodeJS.Dict<os.NetworkInterfaceInfo[]>) =>
      Object.fromEntries(
        Object.entries(d)
          .map(([k, v]) => [k, (v ?? []).filter((a) => a.family === "IPv4")] as const)
          .filter(([, v]) => v.length > 0),
      );
    expect(v4(ifs)).toEqual(v4(os.networkInterfaces()));
  });

  it("reads the routes and the neighbour table with the interfaces, in one command", async () => {
    const fx = sweepEffectsOn(hostWithout());
    await fx.interfaces();
    const routes = await fx.routes?.();
    expect(routes?.length).toBeGreaterThan(0);
    expect(Array.isArray(await fx.neighbours())).toBe(true);
  });

  it("probes with bash's /dev/udp and brings the neighbour table back", async () => {
    const fx = sweepEffectsOn(hostWithout());
    await expect(fx.probe(["127.0.0.1"], "127.0.0.1", Date.now() + 10_000)).resolves.toBe(
      undefined,
    );
    expect(Array.isArray(await fx.neighbours())).toBe(true);
  });

  it.each([
    ["ip", "interfaces", "install iproute2 there"],
    ["cat", "interfaces", "install coreutils there"],
    ["bash", "probe", "install bash there"],
  ])("names %s when the DAS host does not have it", async (tool, effect, fix) => {
    const fx = sweepEffectsOn(hostWithout(tool));
    const p =
      effect === "interfaces"
        ? fx.interfaces()
        : fx.probe(["127.0.0.1"], "127.0.0.1", Date.now() + 10_000);
    await expect(p).rejects.toMatchObject({ code: "DAS_HOST_TOOL_MISSING" });
    await expect(p).rejects.toThrow(
      `finding machines by MAC runs ${tool} on the DAS host root@das:22, which it does not have`,
    );
    await expect(p).rejects.toThrow(`${fix}, or give the machine's address as ip`);
  });

  it("runs virsh there with the same environment as locally", async () => {
    const r = await virshOn(hostWithout())(["-c", "test:///default", "-q", "uri"], 10_000);
    expect(r).toMatchObject({ code: 0, stdout: "test:///default\n", timedOut: false });
  });

  it("names virsh and its package when the DAS host does not have it", async () => {
    const p = virshOn(hostWithout("virsh"))(["-c", "test:///default", "-q", "uri"], 10_000);
    await expect(p).rejects.toMatchObject({ code: "DAS_HOST_TOOL_MISSING" });
    await expect(p).rejects.toThrow(
      "checking the libvirt connection runs virsh on the DAS host root@das:22, which it does not have",
    );
  });

  it("keeps this machine's own effects for the local host", () => {
    expect(sweepEffectsOn(localHost)).toBe(SYSTEM);
    expect(virshOn(localHost)).toBe(VIRSH);
  });
});
