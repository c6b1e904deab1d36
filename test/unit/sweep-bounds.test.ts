import { choosePort } from "../../provider/net/neighbours";
import { discoverMac, SYSTEM, type SweepEffects } from "../../provider/net/sweep";
import { parseProcNetRoute, planSweep, routeFor } from "../../provider/net/targets";
import { fakeNetwork, v4 } from "./fake-network";

const POOL = { name: "cloud", subnet: "10.132.181.0/24", portNames: ["br0"] };
const MAC = "02:00:00:00:09:01";

// Linux's /proc/net/route for: default via 10.0.9.1 dev wan; 10.0.9.0/24 dev wan;
// 10.132.181.0/24 dev br0; 10.132.181.200/32 via 10.0.9.1 dev wan.
const ROUTES = [
  "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
  "wan\t00000000\t0109000A\t0003\t0\t0\t0\t00000000\t0\t0\t0",
  "wan\t0009000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0",
  "br0\t00B5840A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0",
  "wan\tC8B5840A\t0109000A\t0007\t0\t0\t0\tFFFFFFFF\t0\t0\t0",
  "",
].join("\n");

describe("every sweep ends within its budget, with a clear error", () => {
  it("a probe that never returns ends the sweep at the budget", async () => {
    const net = fakeNetwork({});
    const fx: SweepEffects = { ...net.fx, probe: () => new Promise(() => undefined) };
    const started = Date.now();
    await expect(
      discoverMac(MAC, { ...POOL, name: "hang" }, { budgetMs: 300 }, fx),
    ).rejects.toThrow(
      "glassfish-ims SWEEP_FAILED: probing from br0 (10.132.181.1) did not finish within the 300 ms budget",
    );
    expect(Date.now() - started).toBeLessThan(1300);
  });

  it("a neighbour table that never answers ends the sweep at the budget", async () => {
    const net = fakeNetwork({});
    const fx: SweepEffects = { ...net.fx, neighbours: () => new Promise(() => undefined) };
    await expect(
      discoverMac(MAC, { ...POOL, name: "stuck" }, { budgetMs: 200 }, fx),
    ).rejects.toThrow(
      "glassfish-ims SWEEP_FAILED: reading the neighbour table from br0 (10.132.181.1) did not finish within the 200 ms budget",
    );
  });

  it("a port that lost its address fails the sweep at once, naming the cause", async () => {
    const net = fakeNetwork({});
    const gone = Object.assign(new Error("bind EADDRNOTAVAIL 10.132.181.1"), {
      code: "EADDRNOTAVAIL",
    });
    const fx: SweepEffects = { ...net.fx, probe: async () => Promise.reject(gone) };
    await expect(
      discoverMac(MAC, { ...POOL, name: "down" }, { budgetMs: 60_000 }, fx),
    ).rejects.toThrow(
      "glassfish-ims SWEEP_FAILED: sweeping 10.132.181.0/24 from br0 (10.132.181.1) failed: bind EADDRNOTAVAIL 10.132.181.1. Check that br0 is up and still has 10.132.181.1, then retry; or give the machine's address as ip",
    );
  });

  it("the real probe rejects when its source address is not on this host (it hung before)", async () => {
    // 192.0.2.1 (TEST-NET-1) is on no interface here: bind fails, nothing is sent.
    await expect(SYSTEM.probe(["127.0.0.1"], "192.0.2.1", Date.now() + 5000)).rejects.toMatchObject(
      { code: "EADDRNOTAVAIL" },
    );
  });

  it("the real probe stops at its deadline", async () => {
    const started = Date.now();
    await SYSTEM.probe(
      Array.from({ length: 4000 }, () => "127.0.0.1"),
      "127.0.0.1",
      Date.now(),
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("sweeps never leave the link", () => {
  it("reads the routing table and picks routes as the kernel does", () => {
    const routes = parseProcNetRoute(ROUTES);
    expect(routes).toEqual([
      { dev: "wan", destination: 0, prefix: 0, gateway: "10.0.9.1", metric: 0 },
      { dev: "wan", destination: 0x0a000900, prefix: 24, gateway: "0.0.0.0", metric: 0 },
      { dev: "br0", destination: 0x0a84b500, prefix: 24, gateway: "0.0.0.0", metric: 0 },
      { dev: "wan", destination: 0x0a84b5c8, prefix: 32, gateway: "10.0.9.1", metric: 0 },
    ]);
    expect(routeFor("10.132.181.23", routes)?.dev).toBe("br0");
    expect(routeFor("10.132.181.200", routes)?.gateway).toBe("10.0.9.1");
    expect(routeFor("10.132.182.1", routes)?.gateway).toBe("10.0.9.1");
  });

  it("passes over a port whose own network is a single address (a VPN tunnel's /32)", () => {
    expect(
      choosePort(
        ["cscotun0", "br0"],
        {
          cscotun0: [v4("10.132.181.5", "10.132.181.5/32")],
          br0: [v4("10.132.181.1", "10.132.181.1/24")],
        },
        "10.132.181.0/24",
        true,
      ),
    ).toEqual({
      chosen: { port: "br0", address: "10.132.181.1" },
      problems: ["cscotun0 has 10.132.181.5/32, a link with no other host"],
    });
    // The pool's DAS address (ServerPool.dasAddress) may still be the tunnel's.
    expect(
      choosePort(
        ["cscotun0", "br0"],
        { cscotun0: [v4("10.132.181.5", "10.132.181.5/32")] },
        "10.132.181.0/24",
      ).chosen,
    ).toEqual({ port: "cscotun0", address: "10.132.181.5" });
  });

  it("probes only the part of a wider pool subnet on the port's own network", () => {
    const plan = planSweep(
      "cloud",
      "10.132.0.0/16",
      "br0",
      "10.132.181.1",
      "10.132.181.1/24",
      true,
    );
    expect(plan.link).toBe("10.132.181.0/24");
    expect(plan.targets).toHaveLength(253);
    expect(plan.targets[0]).toBe("10.132.181.2");
    expect(plan.targets[252]).toBe("10.132.181.254");
  });

  it("probes only the pool subnet when the port's network is wider", () => {
    const plan = planSweep(
      "cloud",
      "10.132.181.0/26",
      "br0",
      "10.132.181.1",
      "10.132.0.1/16",
      false,
    );
    expect(plan.link).toBe("10.132.181.0/26");
    expect(plan.targets).toHaveLength(61);
  });

  it("skips addresses the routing table sends elsewhere", () => {
    const plan = planSweep(
      "cloud",
      "10.132.181.0/24",
      "br0",
      "10.132.181.1",
      "10.132.181.1/24",
      false,
      parseProcNetRoute(ROUTES),
    );
    expect(plan.offLink).toEqual(["10.132.181.200"]);
    expect(plan.targets).toHaveLength(252);
    expect(plan.targets).not.toContain("10.132.181.200");
  });

  it("caps a sweep at 4094 addresses even with allowLargeSweep, without building the list", () => {
    const started = Date.now();
    expect(() => planSweep("big", "10.0.0.0/8", "br0", "10.0.0.1", "10.0.0.1/8", true)).toThrow(
      `glassfish-ims SWEEP_TOO_LARGE: server pool "big" would be swept on 10.0.0.0/8 (its subnet 10.0.0.0/8 on br0's link 10.0.0.1/8): 16777214 addresses, more than the 4094 a sweep may probe; give machine addresses as ip, or use a smaller subnet`,
    );
    expect(Date.now() - started).toBeLessThan(100);
    expect(
      planSweep("mid", "10.0.0.0/20", "br0", "10.0.0.1", "10.0.0.1/20", true).targets,
    ).toHaveLength(4093);
  });

  it("refuses a sub-net from the file that the input rules would refuse (a /0 built 2^32 addresses)", async () => {
    const net = fakeNetwork({});
    await expect(
      discoverMac(MAC, { ...POOL, subnet: "0.0.0.0/0" }, { allowLargeSweep: true }, net.fx),
    ).rejects.toThrow(
      `glassfish-ims INVALID_INPUT: server pool "cloud" has sub-net "0.0.0.0/0" in domain.xml, which must have a prefix length from /8 to /30: fix the file (or the ServerPool's subnet) before finding MAC ${MAC}`,
    );
    expect(net.probes()).toBe(0);
  });

  it("sends every probe of a /16 pool to the port's /24 only", async () => {
    const net = fakeNetwork({ [MAC]: "10.132.181.77" });
    const r = await discoverMac(
      MAC,
      { ...POOL, name: "wide", subnet: "10.132.0.0/16" },
      { allowLargeSweep: true },
      net.fx,
    );
    expect(r.ip).toBe("10.132.181.77");
    const sent = net.sent.flat();
    expect(sent).toHaveLength(253);
    expect(sent.every((a) => a.startsWith("10.132.181."))).toBe(true);
  });
});
