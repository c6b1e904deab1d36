import { spawn, type ChildProcess } from "child_process";
import { XMLValidator } from "fast-xml-parser";
import { TestProject } from "../e2e/harness";
import { ORIGINAL, PROGRAM, type Spec } from "../e2e/ims-setup";

// Several stacks run `pulumi up` on one domain.xml at once while another program edits an
// unrelated part of the file the way `sed -i` does (read, write a temp file, rename), ignoring the
// lock, every ~50 ms (locally). Every stack's elements must land (an `up` whose edit kept meeting the outside
// writer fails CONCURRENT_MODIFICATION rather than lose anything, and is run again, as a user
// would, up to UP_ATTEMPTS times: on a loaded machine an edit's read-to-rename can take longer
// than the writer's period, and every attempt of it meets a write), and the outside edits must
// survive: rename is no compare-and-swap, so an outside rename in the microseconds between the
// provider's last check and its own rename is overwritten; the bound allowed for that is 1% of
// the outside writes (docs/behaviour.md, "Outside writers"). The suite runs it on a local domain
// (parallel.test.ts) and on a DAS host reached over SSH (parallel-remote.test.ts): a
// {@link ParallelTarget} says where the file, the stacks and the writer are.

/** Where the stacks, the file and the outside writer of a run are. */
export interface ParallelTarget {
  /** A fresh domain.xml holding `content`: its path (as the programs name it), read, cleanup. */
  domain(content: string): { file: string; read(): string; cleanup(): void };
  /** A stack of the ims program on `file` (its CLI runs where the target's providers must). */
  project(stack: number, file: string): Promise<TestProject>;
  /** Starts `node -e <script> <args...>` on the file's host (the outside writer). */
  spawnNode(script: string, args: string[]): ChildProcess;
}

/** The size of a run. */
export interface ParallelOptions {
  reps: number;
  stacks: number;
  machines: number;
  upAttempts: number;
  /**
   * The outside writer's pause between two edits. An edit of the provider that meets an outside
   * write is redone (10 times, then the `up` fails CONCURRENT_MODIFICATION and is run again), so
   * the pause must leave room for an edit's read-to-rename: a few milliseconds locally, about a
   * second over SSH (some twenty round trips).
   */
  writerPeriodMs: number;
}

/** The figures of a run, as it prints them. */
export interface ParallelFigures {
  reps: number;
  elementsMissing: number;
  outsideWrites: number;
  outsideLost: number;
  upsRefused: number;
}

function spec(stack: number, machines: number): Spec {
  const v = `virt${stack}`;
  const p = `pool${stack}`;
  return {
    virtualizations: [{ resource: v, args: { emulator: "kvm" } }],
    pools: [
      {
        resource: p,
        virtualization: v,
        args: { subnet: `10.${100 + stack}.0.0/24`, portNames: ["br0"] },
      },
    ],
    machines: Array.from({ length: machines }, (_, i) => ({
      resource: `s${stack}m${i}`,
      pool: p,
      args: { networkName: "lab", ip: `10.${100 + stack}.0.${10 + i}` },
    })),
  };
}

// The outside writer: bumps `value` of a <property name="outside-counter"> in the domain's <configs>
// every period (argv[2], ms), checking first that its previous value is still there (else an edit
// was lost).
const WRITER = `
const fs = require("fs");
const file = process.argv[1];
const period = Number(process.argv[2]);
let n = 0, lost = 0, stop = false;
process.on("SIGTERM", () => (stop = true));
const tick = () => {
  if (stop) { console.log(JSON.stringify({ writes: n, lost, last: n })); process.exit(0); }
  const text = fs.readFileSync(file, "utf8");
  const m = /<property name="outside-counter" value="(\\d+)"\\/>/.exec(text);
  if (!m) { lost++; } else if (Number(m[1]) !== n) lost++;
  n++;
  const next = m
    ? text.replace(m[0], '<property name="outside-counter" value="' + n + '"/>')
    : text;
  const tmp = file + ".sed" + process.pid;
  fs.writeFileSync(tmp, next);
  fs.renameSync(tmp, file);
  setTimeout(tick, period);
};
tick();
`;

/**
 * Runs `reps` repetitions of `stacks` stacks of `machines` machines each, with the outside
 * writer, on `target`; prints the figures as `<name>: ...` and returns them. The caller asserts
 * (see {@link assertZeroLoss}).
 */
export async function runParallel(
  name: string,
  target: ParallelTarget,
  o: ParallelOptions,
): Promise<ParallelFigures> {
  const figures = { reps: 0, elementsMissing: 0, outsideWrites: 0, outsideLost: 0, upsRefused: 0 };
  for (let rep = 0; rep < o.reps; rep++) {
    // The counter sits outside the IMS part, in the domain's own <property> list.
    const start = ORIGINAL.replace(
      "</domain>\n",
      '  <property name="outside-counter" value="0"/>\n</domain>\n',
    );
    const domain = target.domain(start);
    const projects = await Promise.all(
      Array.from({ length: o.stacks }, (_, i) => target.project(i, domain.file)),
    );
    try {
      for (const [i, p] of projects.entries()) {
        await p.config("domainXml", domain.file);
        await p.config("spec", JSON.stringify(spec(i, o.machines)));
      }
      const writer = target.spawnNode(WRITER, [domain.file, String(o.writerPeriodMs)]);
      let out = "";
      writer.stdout?.on("data", (b) => (out += b));
      const writerDone = new Promise((r) => writer.once("exit", r));
      try {
        await Promise.all(
          projects.map(async (p) => {
            for (let attempt = 1; ; attempt++) {
              const r = await p.run(["up", "--yes", "--skip-preview"]);
              if (r.code === 0) return;
              if (!(r.stdout + r.stderr).includes("CONCURRENT_MODIFICATION")) {
                throw new Error(`up failed:\n${r.stdout}\n${r.stderr}`);
              }
              figures.upsRefused++;
              if (attempt === o.upAttempts) {
                throw new Error(`up refused ${o.upAttempts} times:\n${r.stdout}`);
              }
            }
          }),
        );
      } finally {
        writer.kill("SIGTERM");
        await writerDone;
      }
      const w = JSON.parse(out) as { writes: number; lost: number; last: number };
      const text = domain.read();
      if (XMLValidator.validate(text) !== true) throw new Error(`malformed result:\n${text}`);
      figures.reps++;
      figures.outsideWrites += w.writes;
      figures.outsideLost += w.lost;
      if (!text.includes(`<property name="outside-counter" value="${w.last}"/>`)) {
        figures.outsideLost++;
      }
      for (let i = 0; i < o.stacks; i++) {
        for (const m of spec(i, o.machines).machines) {
          if (!text.includes(`<machines name="${m.resource}">`)) figures.elementsMissing++;
        }
      }
    } finally {
      await Promise.all(projects.map((p) => p.run(["destroy", "--yes", "--skip-preview"])));
      projects.forEach((p) => p.cleanup());
      domain.cleanup();
    }
  }
  console.log(
    `${name}: ${figures.reps} repetitions of ${o.stacks} stacks x ${o.machines} machines; ` +
      `outside writes ${figures.outsideWrites}, lost ${figures.outsideLost}; ` +
      `elements missing ${figures.elementsMissing}; ups refused (CONCURRENT_MODIFICATION) and run again ${figures.upsRefused}`,
  );
  return figures;
}

/** The zero-loss claim: every element landed, outside edits lost only within the 1% bound. */
export function assertZeroLoss(figures: ParallelFigures): void {
  expect(figures.elementsMissing).toBe(0);
  expect(figures.outsideLost).toBeLessThanOrEqual(Math.ceil(figures.outsideWrites / 100));
}

/** The local target: temp files, stacks and writer on this machine. */
export const localTarget = (tempDomain: ParallelTarget["domain"]): ParallelTarget => ({
  domain: tempDomain,
  project: (stack) => TestProject.create(PROGRAM, `p${stack}`),
  spawnNode: (script, args) =>
    spawn(process.execPath, ["-e", script, ...args], { stdio: ["ignore", "pipe", "inherit"] }),
});
