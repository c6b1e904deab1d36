// Benchmark: the plugin through the real `pulumi` CLI (a Pulumi YAML program, file backend) on a
// local domain.xml and on the same kind of domain reached over SSH (a real sshd on a loopback
// port, test/support/sshd.ts): issue 18's speed targets. The stack is a Virtualization, a
// ServerPool and BENCH_N fixed-IP Machines (no connection check) on one explicit provider, whose
// `connection` names the sshd in the remote variant and is absent in the local one; everything
// else is the same program. Each run makes fresh stacks of every variant and takes each through
// `up` (from empty), a no-change `preview` and `destroy`; the variants take turns, their order
// reversed every other run, so that the machine's load falls on all alike. Printed: the median
// times, the median of the per-run ratios remote / local (the targets: up <= 1.3x, preview
// <= 1.2x), and what the plugin process reported of its SSH use (GLASSFISH_IMS_SSH_STATS, see
// provider/remote/session.ts): sessions opened, round trips in all and per resource, and the
// logins sshd accepted.
//
//   npm run bench:remote-cli                      # BENCH_N=100 BENCH_RUNS=3
//   BENCH_BEFORE=/tmp/old npm run bench:remote-cli
//
// BENCH_BEFORE names another built checkout (its bin/ and dist/): a third variant, the remote
// stack on that checkout's plugin, in the same runs (a before/after of a change to the remote
// path). A timed test this is not: it prints, it asserts nothing.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { startLoopbackSshd, type LoopbackSshd } from "../test/support/sshd";
import { cliEnv, median, ROOT, runPulumi, type Measured } from "./cli";

const N = Number(process.env.BENCH_N ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const OPS = ["up", "preview", "destroy"] as const;
type Op = (typeof OPS)[number];
/** Issue 18's targets: remote over local, per operation. */
const TARGETS: Partial<Record<Op, number>> = { up: 1.3, preview: 1.2 };
const BEFORE = process.env.BENCH_BEFORE;

/** `local`: no connection; `remote`: over the sshd; `remote-before`: that on BENCH_BEFORE. */
type Variant = "local" | "remote" | "remote-before";
const VARIANTS: Variant[] = ["local", "remote", ...(BEFORE ? (["remote-before"] as const) : [])];
const LABEL: Record<Variant, string> = {
  local: "local",
  remote: "over SSH",
  "remote-before": "over SSH (before)",
};

/** The machine `i`'s address: the pool's /10 from its first host address on, one each. */
const ip = (i: number) => {
  const k = i + 1;
  return `10.${128 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}`;
};

/** The program: one explicit provider (with `connection` when remote), the pool, N machines. */
function program(variant: Variant, pluginDir: string, domainXml: string): string {
  const remote = variant !== "local";
  const lines = [
    `name: bench-remote-cli`,
    `runtime: yaml`,
    `plugins:`,
    `  providers:`,
    `    - name: glassfish-ims`,
    `      path: ${pluginDir}`,
    ...(remote
      ? [
          `config:`,
          `  privateKeyBase64:`,
          `    type: string`,
          `    secret: true`,
          `  port:`,
          `    type: integer`,
          `  hostKey:`,
          `    type: string`,
        ]
      : []),
    `resources:`,
    `  das:`,
    `    type: pulumi:providers:glassfish-ims`,
    ...(remote
      ? [
          `    properties:`,
          `      connection:`,
          `        host: 127.0.0.1`,
          `        port: \${port}`,
          `        privateKey:`,
          `          fn::fromBase64: \${privateKeyBase64}`,
          `        hostKey: \${hostKey}`,
        ]
      : []),
    `  kvm:`,
    `    type: glassfish-ims:index:Virtualization`,
    `    properties:`,
    `      domainXml: ${domainXml}`,
    `      emulator: test`,
    `    options:`,
    `      provider: \${das}`,
    `  cloud:`,
    `    type: glassfish-ims:index:ServerPool`,
    `    properties:`,
    `      domainXml: \${kvm.domainXml}`,
    `      virtualization: \${kvm.name}`,
    `      subnet: 10.128.0.0/10`,
    `      portNames: [br0]`,
    `    options:`,
    `      provider: \${das}`,
  ];
  for (let i = 0; i < N; i++) {
    lines.push(
      `  m${i}:`,
      `    type: glassfish-ims:index:Machine`,
      `    properties:`,
      `      domainXml: \${cloud.domainXml}`,
      `      serverPool: \${cloud.name}`,
      `      ip: ${ip(i)}`,
      `      verifyConnection: false`,
      `    options:`,
      `      provider: \${das}`,
    );
  }
  return lines.join("\n") + "\n";
}

/** What the plugin processes of one command reported of their SSH use, and sshd's logins. */
interface SshUse {
  sessions: number;
  requests: number;
  logins: number;
}

interface Sample extends Measured {
  ssh: SshUse;
}

class Stack {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stats: string;

  constructor(
    base: string,
    readonly variant: Variant,
    readonly sshd: LoopbackSshd,
  ) {
    this.dir = path.join(base, variant);
    this.stats = path.join(base, `${variant}-ssh-stats`);
    const domain = path.join(base, `${variant}-domain`, "config", "domain.xml");
    mkdirSync(path.dirname(domain), { recursive: true });
    mkdirSync(this.dir, { recursive: true });
    mkdirSync(this.stats, { recursive: true });
    writeFileSync(domain, readFileSync(path.join(ROOT, "test", "fixtures", "domain.xml")));
    const checkout = variant === "remote-before" ? (BEFORE as string) : ROOT;
    writeFileSync(
      path.join(this.dir, "Pulumi.yaml"),
      program(variant, path.join(checkout, "bin"), domain),
    );
    this.env = { ...cliEnv(base, variant), GLASSFISH_IMS_SSH_STATS: this.stats };
  }

  async init(): Promise<void> {
    await runPulumi(this.dir, this.env, ["stack", "init", "bench"], this.variant);
    if (this.variant === "local") return;
    const c = this.sshd.connection;
    const config = (args: string[]) =>
      runPulumi(this.dir, this.env, ["config", "set", ...args], this.variant);
    await config(["port", String(c.port)]);
    await config(["hostKey", c.hostKey]);
    await config(["--secret", "privateKeyBase64", Buffer.from(c.privateKey).toString("base64")]);
  }

  /** Runs one measured command; the SSH counters are those of its plugin processes. */
  async run(args: string[]): Promise<Sample> {
    for (const f of readdirSync(this.stats)) rmSync(path.join(this.stats, f));
    const logins = countLogins(this.sshd);
    const m = await runPulumi(this.dir, this.env, args, this.variant);
    const ssh: SshUse = { sessions: 0, requests: 0, logins: countLogins(this.sshd) - logins };
    for (const f of readdirSync(this.stats)) {
      const [sessions, requests] = readFileSync(path.join(this.stats, f), "utf8")
        .trim()
        .split(" ")
        .map(Number);
      ssh.sessions += sessions;
      ssh.requests += requests;
    }
    return { ...m, ssh };
  }
}

function countLogins(sshd: LoopbackSshd): number {
  return sshd
    .log()
    .split("\n")
    .filter((l) => /Accepted \S+ for/.test(l)).length;
}

async function main(): Promise<void> {
  const sshd = await startLoopbackSshd();
  const base = mkdtempSync(path.join(os.tmpdir(), "gf-ims-bench-remote-cli-"));
  const samples = new Map<string, Sample[]>();
  const add = (v: Variant, op: Op, s: Sample) => {
    const k = `${v}/${op}`;
    samples.set(k, [...(samples.get(k) ?? []), s]);
  };
  try {
    for (let run = 0; run < RUNS; run++) {
      const order = run % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      for (const variant of order) {
        const s = new Stack(path.join(base, `run${run}`), variant, sshd);
        await s.init();
        add(variant, "up", await s.run(["up", "--yes", "--skip-preview"]));
        add(variant, "preview", await s.run(["preview"]));
        add(variant, "destroy", await s.run(["destroy", "--yes", "--skip-preview"]));
      }
    }
    report(samples);
  } finally {
    await sshd.stop();
    if (!process.env.BENCH_KEEP) rmSync(base, { recursive: true, force: true });
    else console.log(`kept ${base}`);
  }
}

function report(samples: Map<string, Sample[]>): void {
  const of = (v: Variant, op: Op) => samples.get(`${v}/${op}`) ?? [];
  const resources = N + 2;
  const remotes = VARIANTS.filter((v) => v !== "local");
  console.log(
    `\nbench/remote-cli: ${N} machines (+ virtualization and pool), plugin from YAML, ${RUNS} run(s), medians`,
  );
  console.log(
    `| operation | ${VARIANTS.map((v) => LABEL[v]).join(" | ")} | ${remotes.map((v) => `ratio ${LABEL[v]} / local`).join(" | ")} | target | SSH sessions (${remotes.map((v) => LABEL[v]).join(" / ")}) | round trips per resource (same order) |`,
  );
  console.log(
    `|---|${VARIANTS.map(() => "---|").join("")}${remotes.map(() => "---|").join("")}---|---|---|`,
  );
  for (const op of OPS) {
    const t = (v: Variant) => median(of(v, op).map((s) => s.ms));
    // Each run's ratio pairs the stacks of that run (measured back to back).
    const ratio = (v: Variant) =>
      median(of(v, op).map((s, i) => s.ms / of("local", op)[i].ms)).toFixed(2);
    const sessions = (v: Variant) =>
      of(v, op)
        .map((s) => `${s.ssh.sessions}`)
        .join(",");
    const perResource = (v: Variant) =>
      (median(of(v, op).map((s) => s.ssh.requests)) / resources).toFixed(1);
    const target = TARGETS[op];
    console.log(
      `| ${op} | ${VARIANTS.map((v) => `${(t(v) / 1000).toFixed(2)} s`).join(" | ")} | ${remotes.map((v) => `${ratio(v)}x`).join(" | ")} | ${target ? `<= ${target}x` : ""} | ${remotes.map(sessions).join(" / ")} | ${remotes.map(perResource).join(" / ")} |`,
    );
  }
  for (const v of remotes) {
    for (const op of OPS) {
      const ss = of(v, op);
      const r = median(ss.map((s) => s.ssh.requests));
      const logins = ss.map((s) => s.ssh.logins).join(",");
      const target = TARGETS[op];
      const ratio = median(ss.map((s, i) => s.ms / of("local", op)[i].ms));
      console.log(
        `  ${LABEL[v]} ${op}: ${r} round trips (${(r / resources).toFixed(1)} per resource), sshd logins per run ${logins}, plugin peak RSS ${(Math.max(...ss.map((s) => s.peakKb.provider)) / 1024).toFixed(0)} MB${target ? `; ${ratio.toFixed(2)}x local, target <= ${target}x: ${ratio <= target ? "met" : "MISSED"}` : ""}`,
      );
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
