import { spawnSync } from "child_process";
import { readFileSync } from "fs";
import * as path from "path";

// The glassfish-ims command through bin/ (the compiled CLI), as a user runs it.
const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "bin", "glassfish-ims");
const VERSION = (
  JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }
).version;

describe("the glassfish-ims command", () => {
  test("--version prints the package's version and exits 0, through bin/ as a user runs it", () => {
    const r = spawnSync(BIN, ["--version"], { encoding: "utf8" });
    expect([r.status, r.stdout, r.stderr]).toEqual([0, `${VERSION}\n`, ""]);
    const help = spawnSync(BIN, ["--help"], { encoding: "utf8" });
    expect([help.status, help.stdout.split("\n")[0]]).toEqual([
      0,
      "usage: glassfish-ims import-file <domain.xml>   (prints the pulumi import --file JSON)",
    ]);
  });
});
