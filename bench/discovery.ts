// Benchmark: resolve 250 MACs on a /24 of the network lab with glassfish-ims's discovery, and
// compare with arp-scan (defaults, and --retry=3 --timeout=100) and fping -g + the neighbour
// table, all run inside the DAS namespace in the same run. Then the same on a lossy lab where
// every host drops half of its ARP replies. Needs root (network namespaces).
//
//   npm run bench:discovery            (prints a table; ratios are against arp-scan's defaults)
import { execFile } from "child_process";
import * as path from "path";
import { Lab, labUnavailable, type LabHost } from "../test/lab/lab";

const SUBNET = "10.132.181.0/24";
const HOSTS = 250;
const RUNNER = path.join(__dirname, "..", "..", "bench", "discover-all.js");

interface Result {
  method: string;
  ms: number;
  found: number;
}

function hosts(arpLoss?: number): LabHost[] {
  return Array.from({ length: HOSTS }, (_, i) => {
    const n = i + 2;
    return {
      name: `h${n}`,
      ip: `10.132.181.${n}`,
      mac: `02:42:00:00:${(n >> 8).toString(16).padStart(2, "0")}:${(n & 255).toString(16).padStart(2, "0")}`,
      arpLoss,
    };
  });
}

function run(lab: Lab, argv: string[]): Promise<{ ms: number; stdout: string }> {
  const [cmd, ...args] = lab.argv(argv);
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { maxBuffer: 64 << 20, timeout: 120_000 }, (err, stdout, stderr) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      // fping exits 1 when some addresses are unreachable: that is expected here.
      if (err && !/fping/.test(argv[0]))
        reject(new Error(`${argv.join(" ")}: ${stderr || err.message}`));
      else resolve({ ms, stdout });
    }),
  );
}

const macsIn = (text: string, wanted: Set<string>) =>
  new Set(
    (text.toLowerCase().match(/([0-9a-f]{2}:){5}[0-9a-f]{2}/g) ?? []).filter((m) => wanted.has(m)),
  ).size;

async function cold(lab: Lab): Promise<void> {
  await run(lab, ["ip", "neigh", "flush", "all"]);
}

async function measure(lab: Lab, labHosts: LabHost[]): Promise<Result[]> {
  const wanted = new Set(labHosts.map((h) => h.mac));
  const out: Result[] = [];
  for (const [label, udpOnly] of [
    ["glassfish-ims (as root: UDP sweep + arp-scan)", false],
    ["glassfish-ims without root (UDP sweep only)", true],
  ] as const) {
    await cold(lab);
    const request = JSON.stringify({ subnet: SUBNET, macs: [...wanted], udpOnly });
    const ours = await run(lab, [process.execPath, RUNNER, request]);
    const report = JSON.parse(ours.stdout) as { found: number; ms: number };
    // The wall time of the whole process would count Node's start-up: the runner times discovery.
    out.push({ method: label, ms: report.ms, found: report.found });
  }
  for (const [label, extra] of [
    ["arp-scan (defaults)", []],
    ["arp-scan --retry=3 --timeout=100", ["--retry=3", "--timeout=100"]],
  ] as const) {
    await cold(lab);
    const r = await run(lab, ["arp-scan", "--interface=br0", "--quiet", ...extra, SUBNET]);
    out.push({ method: label, ms: r.ms, found: macsIn(r.stdout, wanted) });
  }
  await cold(lab);
  const f = await run(lab, ["fping", "-q", "-g", SUBNET]);
  const table = await run(lab, ["ip", "-4", "neigh", "show", "dev", "br0"]);
  out.push({ method: "fping -g + neighbour table", ms: f.ms, found: macsIn(table.stdout, wanted) });
  return out;
}

function print(title: string, results: Result[]): void {
  const base = results.find((r) => r.method === "arp-scan (defaults)")?.ms ?? NaN;
  console.log(`\n${title}`);
  console.log("| method | wall time | found | ratio to arp-scan defaults |");
  console.log("|---|---|---|---|");
  for (const r of results) {
    console.log(
      `| ${r.method} | ${r.ms.toFixed(0)} ms | ${r.found}/${HOSTS} | ${(r.ms / base).toFixed(3)} |`,
    );
  }
}

async function main(): Promise<void> {
  const reason = labUnavailable();
  if (reason) {
    console.error(`bench/discovery: ${reason}`);
    process.exit(2);
  }
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  for (const [title, loss] of [
    ["clean /24, 250 live hosts", undefined],
    ["lossy /24, 250 live hosts each dropping 50% of their ARP replies", 0.5],
  ] as const) {
    const labHosts = hosts(loss);
    const lab = await Lab.create({
      prefix: 24,
      ports: [{ name: "br0", cidr: "10.132.181.1/24" }],
      hosts: labHosts,
    });
    try {
      for (let i = 1; i <= runs; i++)
        print(`${title} (run ${i} of ${runs})`, await measure(lab, labHosts));
    } finally {
      lab.destroySync();
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
