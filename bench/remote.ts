// Benchmark: the same machine creates on a local domain.xml and on one reached over SSH (a real
// sshd on a loopback port, test/support/sshd.ts), driven as the engine drives them: `check`s one
// after the other, each create started once its check is done. Then a refresh (a `read` of each)
// and a no-change preview (`check` with the state's inputs, which reads nothing). Prints the
// ratios (remote / local, same run, same machine) and the SSH sessions and round trips.
//
//   npm run bench:remote          # BENCH_CREATES=100 machines
import { rmSync } from "fs";
import type { DasConnection } from "../provider/remote/connection";
import { closeAllSessions, requestsSent, sessionsOpened } from "../provider/remote/session";
import * as machine from "../provider/resources/machine";
import { startLoopbackSshd } from "../test/support/sshd";
import { poolDomain, machineIp, seedMachines } from "./pool";

const CREATES = Number(process.env.BENCH_CREATES ?? 100);

interface Timings {
  up: number;
  refresh: number;
  preview: number;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The three steps on a fresh pool domain, the machines reached through `connection` if set. */
async function steps(connection?: DasConnection): Promise<Timings> {
  const { dir, file } = await poolDomain("gf-ims-bench-remote-");
  try {
    await seedMachines(file, 10);
    const inputs = (k: number) => ({
      domainXml: file,
      serverPool: "cloud",
      virtualization: "kvm",
      name: `r${k}`,
      ip: machineIp(100 + k),
      verifyConnection: false,
      ...(connection ? { connection } : {}),
    });
    const made: Array<{ id: string; outs: machine.MachineOutputs }> = [];
    const up = await timed(async () => {
      const creates: Array<Promise<unknown>> = [];
      for (let k = 0; k < CREATES; k++) {
        const checked = await machine.check({}, inputs(k));
        if (checked.failures.length > 0) throw new Error(JSON.stringify(checked.failures));
        const i = checked.inputs as unknown as machine.MachineInputs;
        creates.push(machine.create(i).then((r) => made.push(r)));
      }
      await Promise.all(creates);
    });
    const refresh = await timed(() => Promise.all(made.map((r) => machine.read(r.id, r.outs))));
    const preview = await timed(async () => {
      for (const r of made) {
        const state = r.outs as unknown as Record<string, unknown>;
        await machine.check(state, { ...state });
      }
    });
    return { up, refresh, preview };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const sshd = await startLoopbackSshd();
  try {
    const local = await steps();
    const before = sessionsOpened();
    const sent = requestsSent();
    const remote = await steps(sshd.connection);
    const sessions = sessionsOpened() - before;
    const requests = requestsSent() - sent;
    const logins = sshd
      .log()
      .split("\n")
      .filter((l) => /Accepted \S+ for/.test(l)).length;
    const row = (step: keyof Timings, target: string) =>
      `| ${step} of ${CREATES} machines | ${local[step].toFixed(0)} ms | ${remote[step].toFixed(0)} ms | ${(remote[step] / local[step]).toFixed(2)}x | ${target} |`;
    console.log("| step | local | over SSH | ratio | target |");
    console.log("|---|---|---|---|---|");
    console.log(row("up", "<= 1.3x"));
    console.log(row("preview", "<= 1.2x"));
    console.log(row("refresh", ""));
    console.log(`SSH sessions opened: ${sessions} (sshd accepted ${logins} logins)`);
    console.log(
      `round trips (SFTP requests, shell scripts, commands): ${requests} in all, ${(requests / CREATES).toFixed(1)} per machine over up, refresh and preview`,
    );
  } finally {
    closeAllSessions();
    await sshd.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
