import { Lab, labUnavailable } from "../lab/lab";

jest.setTimeout(120_000);

const unavailable = labUnavailable();
if (unavailable) console.warn(`SKIPPED sweep reach lab tests: ${unavailable}`);
const describeLab = unavailable ? describe.skip : describe;

// The DAS has br0 (10.132.181.1/24, the pool's link) and wan (10.0.9.2/24) with its default route
// through a gateway namespace, and a host route 10.132.181.200/32 via that gateway. The pool's
// sub-net in the file is the whole 10.132.0.0/16.
describeLab("sweeps never leave the port's link (real namespaces, a gateway behind wan)", () => {
  let lab: Lab;
  let received: () => number;
  const POOL = { name: "wide", subnet: "10.132.0.0/16", portNames: ["br0"] };
  beforeAll(async () => {
    lab = await Lab.create({
      prefix: 24,
      ports: [{ name: "br0", cidr: "10.132.181.1/24" }],
      hosts: [{ name: "cloud-1", ip: "10.132.181.23", mac: "00:1c:c4:9f:e9:3b" }],
    });
    ({ received } = await lab.addGateway());
    await lab.dasIp(["route", "add", "10.132.181.200/32", "via", "10.0.9.1"]);
  });
  afterAll(() => lab?.destroySync());

  it("finds the MAC and sends nothing through the gateway, though the pool subnet is a /16", async () => {
    const before = received();
    const r = await lab.request({
      op: "discover",
      mac: "00:1c:c4:9f:e9:3b",
      pool: POOL,
      options: { allowLargeSweep: true, budgetMs: 3000 },
    });
    expect(r.value).toMatchObject({ ip: "10.132.181.23", port: "br0", source: "10.132.181.1" });
    // Before: 65,534 targets, 65,280 of them (and 10.132.181.200) out of wan to the gateway.
    expect(received() - before).toBe(0);
  });

  it("a missing MAC: the whole budget spent, still nothing through the gateway", async () => {
    const before = received();
    const r = await lab.request({
      op: "discover",
      mac: "02:00:00:00:00:99",
      pool: POOL,
      options: { allowLargeSweep: true, budgetMs: 1500 },
    });
    expect(r.error?.code).toBe("MAC_NOT_FOUND");
    expect(r.error?.message).toMatch(
      /on 10\.132\.181\.0\/24; 1 more are routed elsewhere and were not probed\)/,
    );
    expect(received() - before).toBe(0);
  });

  it("the gateway counter does see a probe routed its way (control)", async () => {
    const before = received();
    const r = await lab.request({ op: "probe", addresses: ["10.132.5.5"], source: "10.132.181.1" });
    expect(r.error).toBeUndefined();
    await new Promise((res) => setTimeout(res, 200));
    expect(received() - before).toBeGreaterThan(0);
  });

  it("a port that loses its address mid-sweep ends the sweep within its budget with SWEEP_FAILED", async () => {
    const started = Date.now();
    const pending = lab.request({
      op: "discover",
      mac: "02:00:00:00:00:98",
      pool: { ...POOL, name: "flaky" },
      options: { allowLargeSweep: true, budgetMs: 4000 },
    });
    await new Promise((res) => setTimeout(res, 700));
    await lab.dasIp(["addr", "del", "10.132.181.1/24", "dev", "br0"]);
    try {
      const r = await pending;
      expect(r.error?.code).toBe("SWEEP_FAILED");
      expect(r.error?.message).toMatch(
        /^glassfish-ims SWEEP_FAILED: sweeping 10\.132\.181\.0\/24 from br0 \(10\.132\.181\.1\) failed: .*EADDRNOTAVAIL/,
      );
      // 4,000 ms budget, plus node's start-up in the namespace
      expect(Date.now() - started).toBeLessThan(4000 + 3000);
    } finally {
      await lab.dasIp(["addr", "add", "10.132.181.1/24", "dev", "br0"]);
    }
  });
});
