import { execFileSync } from "child_process";
import fc from "fast-check";
import { shellCommand } from "../../provider/remote/quote";

// The remote login shell splits the command string SSH carries; a local sh shows it gets back
// exactly the argv (the lab test does the same over a real SSH session).
const SPECIAL = [..."'\"\\$`() ;&|<>*?[]~#!{}=%-a\n\t"];

describe("shellCommand", () => {
  it("makes a POSIX shell see exactly the given arguments", () => {
    const char = fc.oneof(
      fc.constantFrom(...SPECIAL),
      fc.string({ unit: "binary", minLength: 1, maxLength: 1 }).filter((c) => c !== "\0"),
    );
    fc.assert(
      fc.property(fc.array(fc.string({ unit: char }), { minLength: 1, maxLength: 5 }), (args) => {
        const out = execFileSync("sh", ["-c", shellCommand(["printf", "%s\\0", ...args])]);
        expect(out.toString()).toBe(args.map((a) => `${a}\0`).join(""));
      }),
      { numRuns: 80 },
    );
  });
});
