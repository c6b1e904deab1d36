// `npm run demo -- lab` (root, with the lab tools): the demo as the DAS inside a small network
// namespace lab (test/lab/lab.ts): the pool sits on the lab subnet, and machine cloud-1 is found
// by its MAC. Every pulumi command that can send to lab addresses runs inside the DAS namespace.
// The lab, the stack `demo-lab` and its domain are removed again at the end, on failure and on
// Ctrl-C (the lab by its exit hook, a left-over stack at the next start).
import { spawnSync, type SpawnSyncOptions } from "child_process";
import { copyFileSync, mkdirSync, readFileSync } from "fs";
import * as path from "path";
import { Lab, labUnavailable } from "../test/lab/lab";
import { report, type DemoOutputs } from "./report";

const ROOT = path.resolve(__dirname, "..", "..");
const STACK = "demo-lab";
const ORIGINAL = path.join(ROOT, "demo", "domain.xml");
const DOMAIN = ".demo/lab/domains/domain1/config/domain.xml";

/** Runs `argv` from the project; fails unless `ok` (exit 0 by default). */
function run(argv: string[], options: SpawnSyncOptions = {}): string {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit", encoding: "utf8", ...options });
  if (r.status !== 0) throw new Error(`${argv.slice(0, 4).join(" ")} ... failed (${r.status})`);
  return typeof r.stdout === "string" ? r.stdout : "";
}

const pulumi = (args: string[]) => ["pulumi", ...args, "--stack", STACK, "--non-interactive"];

/** Removes the lab stack and its stack file (untracked), whatever it holds. */
function removeStack(): void {
  spawnSync("pulumi", ["stack", "rm", STACK, "--yes", "--force", "--non-interactive"], {
    cwd: ROOT,
    stdio: "ignore",
  });
}

async function main(): Promise<void> {
  const why = labUnavailable();
  if (why) {
    console.error(`demo lab: cannot run here: ${why}`);
    process.exitCode = 2;
    return;
  }
  removeStack();
  mkdirSync(path.join(ROOT, path.dirname(DOMAIN)), { recursive: true });
  copyFileSync(ORIGINAL, path.join(ROOT, DOMAIN));
  run(["pulumi", "stack", "init", STACK, "--non-interactive"], { stdio: "ignore" });
  // Ctrl-C: exit, so the lab's exit hook removes the namespaces.
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(130));
  console.log("demo lab: building the network lab (DAS with br0 on 10.132.181.0/24, two hosts)");
  const lab = await Lab.create({
    prefix: 24,
    ports: [{ name: "br0", cidr: "10.132.181.1/24" }],
    hosts: [
      { name: "cloud-1", ip: "10.132.181.23", mac: "00:1c:c4:9f:e9:3b" },
      { name: "office", ip: "10.132.181.57", mac: "02:00:00:00:00:57" },
    ],
  });
  try {
    console.log(`demo lab: pulumi runs as the DAS, inside network namespace ${lab.das}`);
    run(lab.dasArgv(pulumi(["up", "--yes", "--skip-preview", "--suppress-outputs"])));
    console.log(`\ndemo lab: what the stack made of ${DOMAIN}:`);
    spawnSync("diff", ["-u", "--label", "original", "--label", "now", ORIGINAL, DOMAIN], {
      cwd: ROOT,
      stdio: "inherit",
    });
    const outputs = run(pulumi(["stack", "output", "--json"]), { stdio: "pipe" });
    console.log(`\n${report(JSON.parse(outputs) as DemoOutputs).join("\n")}`);
    run(lab.dasArgv(pulumi(["preview", "--expect-no-changes"])), { stdio: "pipe" });
    console.log("demo lab: a second run changes nothing (pulumi preview --expect-no-changes)");
    run(lab.dasArgv(pulumi(["destroy", "--yes", "--skip-preview"])), { stdio: "ignore" });
    const same = readFileSync(path.join(ROOT, DOMAIN), "utf8") === readFileSync(ORIGINAL, "utf8");
    console.log(`demo lab: destroyed; ${DOMAIN} ${same ? "is the original again" : "DIFFERS"}`);
    if (!same) process.exitCode = 1;
  } finally {
    lab.destroySync();
    removeStack();
    console.log("demo lab: lab namespaces and stack demo-lab removed");
  }
}

main().catch((e: unknown) => {
  console.error(`demo lab: FAILED: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
