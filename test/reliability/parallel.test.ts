import { spawn } from "child_process";
import { XMLValidator } from "fast-xml-parser";
import { TestProject } from "../e2e/harness";
import { ORIGINAL, PROGRAM, type Spec } from "../e2e/ims-setup";
import { tempDomain } from "../integration/tmp";

// Three stacks run `pulumi up` on one domain.xml at once while another program edits an
// unrelated part of the file the way `sed -i` does (read, write a temp file, rename), ignoring the
// lock, every ~50 ms. Every stack's elements must land (an `up` whose edit kept meeting the outside
// writer fails CONCURRENT_MODIFICATION rather than lose anything, and is run again, as a user
// would, up to UP_ATTEMPTS times: on a loaded machine an edit's read-to-rename can take longer
// than the writer's period, and every attempt of it meets a write), and the outside edits must survive: rename is no compare-and-swap, so an outside rename
// in the microseconds between the provider's last check and its own rename is overwritten; the
// bound allowed for that is 1% of the outside writes (docs/behaviour.md, "Outside writers").
const REPS = Number(process.env.PARALLEL_REPS ?? 5);
const STACKS = 3;
const MACHINES = 10;
const UP_ATTEMPTS = 5;

jest.setTimeout(REPS * 180_000);

function spec(stack: number): Spec {
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
    machines: Array.from({ length: MACHINES }, (_, i) => ({
      resource: `s${stack}m${i}`,
      pool: p,
      args: { networkName: "lab", ip: `10.${100 + stack}.0.${10 + i}` },
    })),
  };
}

// The outside writer: bumps `value` of a <property name="outside-counter"> in the domain's <configs>
// every ~50 ms, checking first that its previous value is still there (else an edit was lost).
const WRITER = `
const fs = require("fs");
const file = process.argv[1];
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
  setTimeout(tick, 50);
};
tick();
`;

describe("parallel stacks and a writer that ignores the lock", () => {
  it(`lose no element, and outside edits only within the rename window (${REPS} repetitions)`, async () => {
    const figures = {
      reps: 0,
      elementsMissing: 0,
      outsideWrites: 0,
      outsideLost: 0,
      upsRefused: 0,
    };
    for (let rep = 0; rep < REPS; rep++) {
      // The counter sits outside the IMS part, in the domain's own <property> list.
      const start = ORIGINAL.replace(
        "</domain>\n",
        '  <property name="outside-counter" value="0"/>\n</domain>\n',
      );
      const domain = tempDomain(start);
      const projects = await Promise.all(
        Array.from({ length: STACKS }, (_, i) => TestProject.create(PROGRAM, `p${i}`)),
      );
      try {
        for (const [i, p] of projects.entries()) {
          await p.config("domainXml", domain.file);
          await p.config("spec", JSON.stringify(spec(i)));
        }
        const writer = spawn(process.execPath, ["-e", WRITER, domain.file], {
          stdio: ["ignore", "pipe", "inherit"],
        });
        let out = "";
        writer.stdout.on("data", (b) => (out += b));
        const writerDone = new Promise((r) => writer.once("exit", r));
        try {
          await Promise.all(
            projects.map(async (p) => {
              for (let attempt = 1; ; attempt++) {
                const r = await p.run(["up", "--yes", "--skip-preview"]);
                if (r.code === 0) return;
                expect(r.stdout + r.stderr).toContain("CONCURRENT_MODIFICATION");
                figures.upsRefused++;
                if (attempt === UP_ATTEMPTS) {
                  throw new Error(`up refused ${UP_ATTEMPTS} times:\n${r.stdout}`);
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
        expect(XMLValidator.validate(text)).toBe(true);
        figures.reps++;
        figures.outsideWrites += w.writes;
        figures.outsideLost += w.lost;
        if (!text.includes(`<property name="outside-counter" value="${w.last}"/>`)) {
          figures.outsideLost++;
        }
        for (let i = 0; i < STACKS; i++) {
          for (const m of spec(i).machines) {
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
      `parallel: ${figures.reps} repetitions of ${STACKS} stacks x ${MACHINES} machines; ` +
        `outside writes ${figures.outsideWrites}, lost ${figures.outsideLost}; ` +
        `elements missing ${figures.elementsMissing}; ups refused (CONCURRENT_MODIFICATION) and run again ${figures.upsRefused}`,
    );
    expect(figures.elementsMissing).toBe(0);
    expect(figures.outsideLost).toBeLessThanOrEqual(Math.ceil(figures.outsideWrites / 100));
  });
});
