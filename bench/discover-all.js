// Runs inside the lab's DAS namespace (bench/discovery.ts starts it there): resolves every MAC
// given with one discovery (the provider's own code) and prints how many it found and how long
// the discovery took, start-up of Node not included.
const path = require("path");

require("../test/lab/guard").assertInsideLabNamespace();
const { discoverMac, SYSTEM } = require(
  path.join(__dirname, "..", "dist", "provider", "net", "sweep"),
);
const { subnet, macs, budgetMs, udpOnly } = JSON.parse(process.argv[2]);
const pool = { name: "bench", subnet, portNames: ["br0"] };
// udpOnly: what a DAS without root (no raw sockets, so no arp-scan) gets.
const fx = udpOnly ? { ...SYSTEM, arpScan: undefined } : SYSTEM;
const start = process.hrtime.bigint();
Promise.allSettled(macs.map((m) => discoverMac(m, pool, { budgetMs: budgetMs ?? 1500 }, fx))).then(
  (all) => {
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    console.log(JSON.stringify({ found: all.filter((r) => r.status === "fulfilled").length, ms }));
  },
);
