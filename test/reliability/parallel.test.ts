import { tempDomain } from "../support/domain";
import { assertZeroLoss, localTarget, runParallel } from "./parallel-run";

// Three stacks run `pulumi up` on one local domain.xml at once while another program edits it
// ignoring the lock (see parallel-run.ts for the claim and its bounds).
const REPS = Number(process.env.PARALLEL_REPS ?? 5);

jest.setTimeout(REPS * 180_000);

describe("parallel stacks and a writer that ignores the lock", () => {
  it(`lose no element, and outside edits only within the rename window (${REPS} repetitions)`, async () => {
    const figures = await runParallel("parallel", localTarget(tempDomain), {
      reps: REPS,
      stacks: 3,
      machines: 10,
      upAttempts: 5,
      writerPeriodMs: 50,
    });
    assertZeroLoss(figures);
  });
});
