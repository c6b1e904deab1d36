import { XMLParser, XMLValidator } from "fast-xml-parser";
import { readdirSync, statSync, unlinkSync } from "fs";
import * as path from "path";
import { TestProject } from "../e2e/harness";
import { ORIGINAL, PROGRAM, type Spec } from "../e2e/ims-setup";
import { tempDomain } from "../support/domain";
import { storeTargets, type StoreTarget } from "../support/targets";

// An `up`, an update or a `destroy` killed (SIGKILL to the CLI's whole process group) at a random
// moment, then the documented recovery path: `pulumi cancel` (the backend may be locked), `pulumi
// refresh --clear-pending-creates`, then `pulumi up` (or `destroy`). Every run must end with a
// well-formed file holding exactly the program's elements, once each, and no changes planned.
// It runs three ways: on a local domain.xml (RELIABILITY_RUNS kills, default 20); on the same
// kind of file on a DAS host reached over SSH (a real sshd on a loopback port, the stack's
// `connection` config: RELIABILITY_REMOTE_RUNS, default 6), where a kill also cuts the session
// mid-request; and locally with PULUMI_SKIP_CHECKPOINTS=true (RELIABILITY_SKIP_RUNS, default 6),
// where the state keeps nothing of the killed operation and the recovery rests on the file and
// the create journal alone. RELIABILITY_MACHINES (default 20) sizes each stack; RELIABILITY_SEED
// repeats a run's kill times.
const RUNS = Number(process.env.RELIABILITY_RUNS ?? 20);
const REMOTE_RUNS = Number(process.env.RELIABILITY_REMOTE_RUNS ?? 6);
const SKIP_RUNS = Number(process.env.RELIABILITY_SKIP_RUNS ?? 6);
const MACHINES = Number(process.env.RELIABILITY_MACHINES ?? 20);
const SEED = Number(process.env.RELIABILITY_SEED ?? Date.now() % 100000);

jest.setTimeout((RUNS + REMOTE_RUNS + SKIP_RUNS) * 120_000);

/** One way the suite runs: where the file is, how many kills, what the CLI's environment adds. */
interface Variant {
  name: string;
  runs: number;
  target: StoreTarget;
  env: NodeJS.ProcessEnv;
}

function variants(): Variant[] {
  const [local, ssh] = storeTargets();
  return [
    { name: "a local domain.xml", runs: RUNS, target: local, env: {} },
    ...(ssh ? [{ name: "a domain.xml over SSH", runs: REMOTE_RUNS, target: ssh, env: {} }] : []),
    {
      name: "a local domain.xml, skipping checkpoints",
      runs: SKIP_RUNS,
      target: local,
      env: { PULUMI_SKIP_CHECKPOINTS: "true" },
    },
  ].filter((v) => v.runs > 0);
}

/** A small deterministic PRNG (mulberry32), so a failing seed can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function spec(ipBase: number): Spec {
  return {
    virtualizations: [{ resource: "kvm", args: { emulator: "kvm" } }],
    pools: [
      {
        resource: "cloud",
        virtualization: "kvm",
        args: { subnet: "10.132.181.0/24", portNames: ["br0"] },
      },
    ],
    poolUsers: [{ resource: "cloud", pool: "cloud", args: { userId: 1001, groupId: 1001 } }],
    machines: Array.from({ length: MACHINES }, (_, i) => ({
      resource: `m${String(i).padStart(3, "0")}`,
      pool: "cloud",
      args: { networkName: "lab", ip: `10.132.181.${ipBase + i}` },
    })),
  };
}

/** The machines of a domain.xml as (name, ip) pairs, in file order. */
function machinesOf(text: string): Array<[string, string]> {
  const parsed = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@",
    isArray: (n) => ["libvirt-virtualization", "server-pool", "machines"].includes(n),
  }).parse(text);
  const virts = parsed.domain.virtualizations?.["libvirt-virtualization"] ?? [];
  return virts.flatMap((v: Record<string, unknown>) =>
    ((v["server-pool"] as Array<Record<string, unknown>>) ?? []).flatMap((p) =>
      ((p.machines as Array<Record<string, unknown>>) ?? []).map(
        (m) => [String(m["@name"]), String(m["ip-address"])] as [string, string],
      ),
    ),
  );
}

/**
 * The file backend writes a stack's metadata (`<stack>.json.attrs`) in place, so a kill can leave
 * it empty and every later command fails `failed to load checkpoint: EOF`: the engine's own file,
 * not the provider's. README's troubleshooting gives the fix this applies (remove the empty file).
 */
function repairTornCheckpoint(stateDir: string): number {
  let repaired = 0;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".json.attrs") && statSync(p).size === 0) {
        unlinkSync(p);
        repaired++;
      }
    }
  };
  walk(path.join(stateDir, ".pulumi", "stacks"));
  return repaired;
}

type Phase = "up" | "update" | "destroy";

interface Figures {
  runs: number;
  byPhase: Record<Phase, number>;
  wellFormed: number;
  lost: number;
  duplicated: number;
  converged: number;
  tornCheckpoints: number;
  /** Kills that landed before the CLI finished on its own. */
  midway: number;
  /** Runs whose state held pending operations after the kill. */
  pending: number;
}

describe.each(variants())("an up, update or destroy killed at any moment, on $name", (v) => {
  const { runs: RUNS, target } = v;
  beforeAll(() => target.start());
  afterAll(() => target.stop());

  /** A project of the program on `domain`, through the variant's target and environment. */
  const projectOn = async (file: string, stack: string): Promise<TestProject> => {
    const project = await TestProject.create(PROGRAM, stack, undefined, v.env);
    await project.config("domainXml", file);
    const { connection } = target.inputs();
    if (connection) {
      await project.ok(["config", "set", "--secret", "connection", JSON.stringify(connection)]);
    }
    return project;
  };

  const figures: Figures = {
    runs: 0,
    byPhase: { up: 0, update: 0, destroy: 0 },
    wellFormed: 0,
    lost: 0,
    duplicated: 0,
    converged: 0,
    tornCheckpoints: 0,
    midway: 0,
    pending: 0,
  };

  // How long each operation takes on this machine now (measured first), so kills land inside it.
  const took: Record<Phase, number> = { up: 0, update: 0, destroy: 0 };

  afterAll(() => {
    console.log(
      `reliability, ${v.name} (seed ${SEED}, ${MACHINES} machines): ${figures.runs} kills ` +
        `(usual times: up ${took.up} ms, update ${took.update} ms, destroy ${took.destroy} ms) ` +
        `(up ${figures.byPhase.up}, update ${figures.byPhase.update}, destroy ${figures.byPhase.destroy}); ` +
        `well-formed file ${figures.wellFormed}/${figures.runs}; lost elements ${figures.lost}; ` +
        `duplicated elements ${figures.duplicated}; converged ${figures.converged}/${figures.runs}; ` +
        `killed midway ${figures.midway}; left pending operations ${figures.pending}; ` +
        `torn engine checkpoints repaired ${figures.tornCheckpoints}`,
    );
  });

  it(`loses and duplicates nothing and converges by the documented recovery (${RUNS} runs)`, async () => {
    const rnd = random(SEED);
    {
      const domain = tempDomain(ORIGINAL);
      const project = await projectOn(domain.file, "calibrate");
      try {
        await project.config("spec", JSON.stringify(spec(10)));
        const timed = async (phase: Phase, args: string[]) => {
          const t0 = Date.now();
          await project.ok([...args, "--yes", "--skip-preview"]);
          took[phase] = Date.now() - t0;
        };
        await timed("up", ["up"]);
        await project.config("spec", JSON.stringify(spec(100)));
        await timed("update", ["up"]);
        await timed("destroy", ["destroy"]);
      } finally {
        project.killLeftovers();
        project.cleanup();
        domain.cleanup();
      }
    }
    const phases: Phase[] = ["up", "update", "destroy"];
    for (let run = 0; run < RUNS; run++) {
      const phase = phases[run % phases.length];
      const domain = tempDomain(ORIGINAL);
      const project = await projectOn(domain.file, `r${run}`);
      try {
        await project.config("spec", JSON.stringify(spec(10)));
        if (phase !== "up") await project.up();
        if (phase === "update") await project.config("spec", JSON.stringify(spec(100)));
        const args =
          phase === "destroy"
            ? ["destroy", "--yes", "--skip-preview"]
            : ["up", "--yes", "--skip-preview"];
        // Kill between 35% and 95% of the operation's usual time: from the engine's start-up
        // (nothing written yet) to its last steps.
        const delay = took[phase] * (0.35 + rnd() * 0.6);
        const cli = project.start(args);
        const started = Date.now();
        let tookNow = 0;
        const exited = new Promise((r) =>
          cli.once("exit", (code) => {
            tookNow = Date.now() - started;
            r(code);
          }),
        );
        await new Promise((r) => setTimeout(r, delay));
        if (cli.exitCode === null) figures.midway++;
        // Finished before the kill: the machine got faster since the calibration (its load
        // changed), so the next kills of this phase aim within what it takes now.
        else took[phase] = tookNow;
        try {
          process.kill(-(cli.pid as number), "SIGKILL");
        } catch {
          // It had finished already: a kill after the end is a run like any other.
        }
        await exited;
        figures.runs++;
        figures.byPhase[phase]++;

        // The documented recovery path.
        figures.tornCheckpoints += repairTornCheckpoint(project.stateDir);
        await project.run(["cancel", "--yes"]);
        const exported = await project.ok(["stack", "export"]);
        if ((JSON.parse(exported.stdout).deployment.pending_operations ?? []).length > 0) {
          figures.pending++;
        }
        await project.ok(["refresh", "--yes", "--skip-preview", "--clear-pending-creates"]);
        if (phase === "destroy") await project.destroy();
        else await project.up();

        const text = domain.read();
        if (XMLValidator.validate(text) === true) figures.wellFormed++;
        const want = phase === "destroy" ? [] : spec(phase === "update" ? 100 : 10).machines;
        const have = machinesOf(text);
        const names = have.map(([n]) => n);
        figures.duplicated += names.length - new Set(names).size;
        figures.lost += want.filter((m) => !names.includes(m.resource as string)).length;
        const exact =
          phase === "destroy"
            ? text === ORIGINAL
            : JSON.stringify([...have].sort()) ===
              JSON.stringify(
                want
                  .map((m) => [m.resource, (m.args as { ip: string }).ip] as [string, string])
                  .sort(),
              );
        const quiet =
          phase === "destroy" || (await project.run(["preview", "--expect-no-changes"])).code === 0;
        if (exact && quiet) figures.converged++;
        else console.log(`run ${run} (${phase}, kill at ${Math.round(delay)} ms) did not converge`);
      } finally {
        if (phase !== "destroy") await project.run(["destroy", "--yes", "--skip-preview"]);
        project.killLeftovers();
        project.cleanup();
        domain.cleanup();
      }
    }
    expect(figures).toMatchObject({
      wellFormed: figures.runs,
      lost: 0,
      duplicated: 0,
      converged: figures.runs,
    });
  });
});
