import { spawn } from "child_process";
import { TestProject } from "../e2e/harness";
import { PROGRAM } from "../e2e/ims-setup";
import { DAS_IP, DasHostLab, dasHostUnavailable } from "../lab/das-host";
import { assertZeroLoss, runParallel, type ParallelTarget } from "./parallel-run";

// The parallel suite (parallel-run.ts) on a domain of a DAS host reached over SSH: two stacks,
// each its own pulumi CLI in the lab's CI namespace (so each its own provider process and SSH
// session), write one remote domain.xml at once, while the outside writer runs on the DAS host
// itself (in its mount namespace, where the file is). Same claim as the local suite: no element
// lost, outside edits lost only within the 1% bound.
const REPS = Number(process.env.PARALLEL_REMOTE_REPS ?? 1);

jest.setTimeout(REPS * 300_000 + 60_000);

const unavailable = dasHostUnavailable();
if (unavailable) console.warn(`SKIPPED the remote parallel suite: ${unavailable}`);

(unavailable ? describe.skip : describe)(
  "parallel stacks on one remote domain and a writer on the DAS host that ignores the lock",
  () => {
    let lab: DasHostLab;
    beforeAll(async () => {
      lab = await DasHostLab.create();
    });
    afterAll(() => lab?.destroySync());

    it(`lose no element, and outside edits only within the rename window (${REPS} repetitions)`, async () => {
      let n = 0;
      const target: ParallelTarget = {
        domain: (content) => {
          const file = `/srv/glassfish/domains/par${++n}/config/domain.xml`;
          lab.putFile(file, content);
          return {
            file,
            read: () => lab.readFile(file).toString("utf8"),
            cleanup: () => void lab.dasShell('rm -rf "$(dirname "$(dirname "$1")")"', file),
          };
        },
        project: async (stack) => {
          const p = await TestProject.create(PROGRAM, `p${stack}`, (argv) => [
            "ip",
            "netns",
            "exec",
            lab.ci,
            ...argv,
          ]);
          const connection = { host: DAS_IP, privateKey: lab.key.privateKey, hostKey: lab.hostKey };
          await p.ok(["config", "set", "--secret", "connection", JSON.stringify(connection)]);
          return p;
        },
        // nsenter execs node: the pid signalled is the writer's own.
        spawnNode: (script, args) =>
          spawn(
            "nsenter",
            ["-t", String(lab.dasPid()), "-m", "-n", process.execPath, "-e", script, ...args],
            { stdio: ["ignore", "pipe", "inherit"] },
          ),
      };
      const figures = await runParallel("parallel (remote DAS)", target, {
        reps: REPS,
        stacks: 2,
        machines: 10,
        upAttempts: 5,
        // An edit over SSH takes about a second from its read to its rename (see parallel-run.ts).
        writerPeriodMs: 2000,
      });
      assertZeroLoss(figures);
    });
  },
);
