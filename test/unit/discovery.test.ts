import fc from "fast-check";
import { normalizeMac } from "../../provider/net/address";
import {
  choosePort,
  hostAddresses,
  newSightings,
  parseIpNeigh,
  parseProcNetArp,
  record,
  verdict,
} from "../../provider/net/neighbours";
import { discoverMac } from "../../provider/net/sweep";
import { fakeNetwork, v4 } from "./fake-network";

const POOL = { name: "cloud", subnet: "10.132.181.0/24", portNames: ["cscotun0", "br0"] };

describe("neighbour tables", () => {
  it("parses /proc/net/arp, leaving incomplete entries without a MAC", () => {
    const text = [
      "IP address       HW type     Flags       HW address            Mask     Device",
      "10.132.181.23    0x1         0x2         00:1C:C4:9F:E9:3B     *        br0",
      "10.132.181.24    0x1         0x0         00:00:00:00:00:00     *        br0",
      "192.0.2.1        0x1         0x2         02:00:00:00:00:09     *        eth0",
      "",
    ].join("\n");
    expect(parseProcNetArp(text)).toEqual([
      { ip: "10.132.181.23", mac: "00:1c:c4:9f:e9:3b", dev: "br0" },
      { ip: "10.132.181.24", dev: "br0" },
      { ip: "192.0.2.1", mac: "02:00:00:00:00:09", dev: "eth0" },
    ]);
  });

  it("parses ip neigh, skipping FAILED, INCOMPLETE and IPv6 entries", () => {
    const text = [
      "10.132.181.23 dev br0 lladdr 00:1c:c4:9f:e9:3b REACHABLE",
      "10.132.181.25 dev br0 lladdr 02:00:00:00:00:25 STALE",
      "10.132.181.26 dev br0 FAILED",
      "10.132.181.27 dev br0 INCOMPLETE",
      "fe80::1 dev br0 lladdr 02:00:00:00:00:01 router REACHABLE",
    ].join("\n");
    expect(parseIpNeigh(text)).toEqual([
      { ip: "10.132.181.23", mac: "00:1c:c4:9f:e9:3b", dev: "br0" },
      { ip: "10.132.181.25", mac: "02:00:00:00:00:25", dev: "br0" },
      { ip: "10.132.181.26", dev: "br0" },
      { ip: "10.132.181.27", dev: "br0" },
    ]);
  });
});

describe("MAC normalization", () => {
  const octets = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 });
  it("gives the same lower-case colon form for any case and separator (property)", () => {
    fc.assert(
      fc.property(octets, fc.constantFrom(":", "-"), fc.boolean(), (o, sep, upper) => {
        const canonical = o.map((b) => b.toString(16).padStart(2, "0")).join(":");
        const written = o.map((b) => b.toString(16).padStart(2, "0")).join(sep);
        expect(normalizeMac(upper ? written.toUpperCase() : written)).toBe(canonical);
      }),
    );
  });

  it("rejects mixed separators, short and long forms", () => {
    for (const bad of [
      "00:1c-c4:9f:e9:3b",
      "00:1c:c4:9f:e9",
      "00:1c:c4:9f:e9:3b:00",
      "001cc49fe93b",
      "0:1c:c4:9f:e9:3b",
    ]) {
      expect(normalizeMac(bad)).toBeUndefined();
    }
  });
});

describe("port selection", () => {
  it("takes the first port, in order, that exists and has an address in the subnet", () => {
    const r = choosePort(
      POOL.portNames,
      { br0: [v4("10.132.181.1", "10.132.181.1/24")], eth0: [v4("192.0.2.4", "192.0.2.4/24")] },
      POOL.subnet,
    );
    expect(r).toEqual({
      chosen: { port: "br0", address: "10.132.181.1" },
      problems: ["cscotun0 does not exist"],
    });
  });

  it("says for every port why it cannot be used", () => {
    const r = choosePort(
      POOL.portNames,
      { cscotun0: [], br0: [v4("192.0.2.4", "192.0.2.4/24")] },
      POOL.subnet,
    );
    expect(r).toEqual({ problems: ["cscotun0 has no IPv4 address", "br0 has 192.0.2.4/24"] });
  });
});

describe("sightings", () => {
  it("lists every host address of a subnet, never network or broadcast", () => {
    expect(hostAddresses("10.0.0.0/30")).toEqual(["10.0.0.1", "10.0.0.2"]);
    expect(hostAddresses("10.132.181.0/24")).toHaveLength(254);
  });

  it("ignores entries of other devices and outside the subnet", () => {
    const seen = newSightings();
    record(
      seen,
      [
        { ip: "10.132.181.5", mac: "02:00:00:00:00:05", dev: "eth0" },
        { ip: "192.0.2.5", mac: "02:00:00:00:00:05", dev: "br0" },
      ],
      "br0",
      POOL.subnet,
    );
    expect(verdict(seen, "02:00:00:00:00:05")).toEqual({ kind: "missing" });
  });
});

describe("discoverMac (around a pretend network)", () => {
  it("probes every host address but its own, and answers from the neighbour table", async () => {
    const net = fakeNetwork({ "00:1c:c4:9f:e9:3b": "10.132.181.23" });
    const found = await discoverMac("00:1c:c4:9f:e9:3b", POOL, {}, net.fx);
    expect(found).toMatchObject({
      ip: "10.132.181.23",
      port: "br0",
      source: "10.132.181.1",
      rounds: 1,
    });
    expect(net.sent[0]).toHaveLength(253);
    expect(net.sent[0]).not.toContain("10.132.181.1");
  });

  it("serves every machine of a pool with one sweep", async () => {
    const net = fakeNetwork({
      "02:00:00:00:01:01": "10.132.181.11",
      "02:00:00:00:01:02": "10.132.181.12",
    });
    const pool = { ...POOL, name: "shared", subnet: "10.132.181.0/24" };
    const [a, b] = await Promise.all([
      discoverMac("02:00:00:00:01:01", pool, {}, net.fx),
      discoverMac("02:00:00:00:01:02", pool, {}, net.fx),
    ]);
    expect([a.ip, b.ip]).toEqual(["10.132.181.11", "10.132.181.12"]);
    expect(net.probes()).toBe(1);
  });

  it("tells each machine of a shared sweep what the sweep does, and what it found for it", async () => {
    const net = fakeNetwork({
      "02:00:00:00:05:01": "10.132.181.51",
      "02:00:00:00:05:02": "10.132.181.52",
    });
    const pool = { ...POOL, name: "told" };
    const heard: Record<string, string[]> = { a: [], b: [] };
    await Promise.all([
      discoverMac("02:00:00:00:05:01", pool, { progress: (m) => heard.a.push(m) }, net.fx),
      discoverMac("02:00:00:00:05:02", pool, { progress: (m) => heard.b.push(m) }, net.fx),
    ]);
    const round =
      "sweep 1 of 10.132.181.0/24 from br0: 2 of 253 addresses answered (15 ms of 3.0 s)";
    expect(heard).toEqual({
      a: [
        'finding MAC 02:00:00:00:05:01: sweeping server pool "told" (253 addresses of 10.132.181.0/24) from br0 (10.132.181.1), up to 3.0 s',
        round,
        "found MAC 02:00:00:00:05:01 at 10.132.181.51 after 1 sweep (30 ms)",
      ],
      b: [
        'finding MAC 02:00:00:00:05:02: joined the running sweep of server pool "told"',
        round,
        "found MAC 02:00:00:00:05:02 at 10.132.181.52 after 1 sweep (30 ms)",
      ],
    });
  });

  it("sweeps each DAS host's network on its own, even for one subnet and port name", async () => {
    const netA = fakeNetwork({ "02:00:00:00:03:01": "10.132.181.31" });
    const netB = fakeNetwork({ "02:00:00:00:03:02": "10.132.181.32" });
    const pool = { ...POOL, name: "twin-das" };
    const [a, b] = await Promise.all([
      discoverMac("02:00:00:00:03:01", pool, {}, { ...netA.fx, id: "ssh:root@das-a:22" }),
      discoverMac("02:00:00:00:03:02", pool, {}, { ...netB.fx, id: "ssh:root@das-b:22" }),
    ]);
    expect([a.ip, b.ip]).toEqual(["10.132.181.31", "10.132.181.32"]);
    expect([netA.probes(), netB.probes()]).toEqual([1, 1]);
  });

  it("repeats the sweep until a slow host answers", async () => {
    const net = fakeNetwork({ "02:00:00:00:02:01": "10.132.181.40" }, 3);
    const found = await discoverMac(
      "02:00:00:00:02:01",
      { ...POOL, subnet: "10.132.180.0/23" },
      {},
      net.fx,
    );
    expect(found.rounds).toBe(3);
  });

  it("names the MAC, subnet, port and time spent when nobody answers", async () => {
    const net = fakeNetwork({});
    await expect(
      discoverMac(
        "02:00:00:00:03:01",
        { ...POOL, subnet: "10.132.181.0/25" },
        { budgetMs: 1000 },
        net.fx,
      ),
    ).rejects.toThrow(
      /^glassfish-ims MAC_NOT_FOUND: no host answered with MAC 02:00:00:00:03:01 on 10.132.181.0\/25 via br0 \(10.132.181.1\) within 1000 ms \(4 sweeps of 125 addresses on 10\.132\.181\.0\/25\)/,
    );
  });

  it("reports a MAC at two addresses instead of guessing", async () => {
    const net = fakeNetwork({});
    net.fx.neighbours = async () => [
      { ip: "10.132.181.7", mac: "02:00:00:00:04:01", dev: "br0" },
      { ip: "10.132.181.8", mac: "02:00:00:00:04:01", dev: "br0" },
    ];
    await expect(
      discoverMac("02:00:00:00:04:01", { ...POOL, name: "two" }, {}, net.fx),
    ).rejects.toThrow(
      "glassfish-ims MAC_CONFLICT: MAC 02:00:00:00:04:01 answers at 10.132.181.7 and 10.132.181.8 on 10.132.181.0/24 via br0",
    );
  });

  it("reports two MACs answering at one address", async () => {
    const net = fakeNetwork({});
    let flip = false;
    net.fx.neighbours = async () => {
      flip = !flip;
      return [
        { ip: "10.132.181.9", mac: flip ? "02:00:00:00:07:01" : "02:00:00:00:07:02", dev: "br0" },
      ];
    };
    await expect(
      discoverMac(
        "02:00:00:00:07:01",
        { ...POOL, name: "clash", subnet: "10.132.181.0/26" },
        {},
        net.fx,
      ),
    ).rejects.toThrow(
      "glassfish-ims MAC_CONFLICT: address 10.132.181.9 answers with MACs 02:00:00:00:07:01 and 02:00:00:00:07:02 on 10.132.181.0/26",
    );
  });

  it("refuses subnets larger than a /22 unless allowed", async () => {
    const net = fakeNetwork({});
    await expect(
      discoverMac("02:00:00:00:05:01", { ...POOL, subnet: "10.0.0.0/16" }, {}, net.fx),
    ).rejects.toThrow(
      'glassfish-ims SWEEP_TOO_LARGE: server pool "cloud" has subnet 10.0.0.0/16 (65534 addresses): sweeping more than a /22 (1022 addresses) needs allowLargeSweep: true',
    );
    expect(net.probes()).toBe(0);
  });

  it("refuses when no pool port is on the subnet, listing the ports", async () => {
    const net = fakeNetwork({});
    await expect(
      discoverMac("02:00:00:00:06:01", { ...POOL, subnet: "10.9.0.0/24" }, {}, net.fx),
    ).rejects.toThrow(
      'glassfish-ims NO_PORT_ON_SUBNET: none of the ports of server pool "cloud" (cscotun0, br0) has an IPv4 address in 10.9.0.0/24: cscotun0 does not exist; br0 has 10.132.181.1/24. Finding MAC 02:00:00:00:06:01 needs the DAS on the pool subnet; give the machine a fixed ip instead',
    );
  });
});

describe("arp-scan output", () => {
  it("parses --quiet --plain lines, skipping anything else", () => {
    const { parseArpScan } = require("../../provider/net/neighbours");
    expect(
      parseArpScan(
        "10.132.181.23\t00:1C:C4:9F:E9:3B\n\nInterface: br0\n10.132.181.24\t02:00:00:00:00:24\n",
        "br0",
      ),
    ).toEqual([
      { ip: "10.132.181.23", mac: "00:1c:c4:9f:e9:3b", dev: "br0" },
      { ip: "10.132.181.24", mac: "02:00:00:00:00:24", dev: "br0" },
    ]);
  });
});
