import { execFile } from "child_process";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import { assertPulumiCli } from "./harness";

// schema.json (generated from the field tables, see test/unit/fields.test.ts) must be a package
// schema the pinned CLI accepts: `pulumi package get-schema` binds it and reports every error.
jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, "..", "..");

test("the pinned CLI binds schema.json without an error", async () => {
  assertPulumiCli();
  const home = mkdtempSync(path.join(os.tmpdir(), "gf-ims-schema-"));
  try {
    const { code, stdout, stderr } = await new Promise<{
      code: number;
      stdout: string;
      stderr: string;
    }>((resolve) =>
      execFile(
        "pulumi",
        ["package", "get-schema", path.join(ROOT, "schema.json"), "--non-interactive"],
        {
          cwd: home,
          env: { ...process.env, PULUMI_HOME: home, PULUMI_SKIP_UPDATE_CHECK: "true" },
          maxBuffer: 16 << 20,
        },
        (err, out, errOut) =>
          resolve({ code: err ? Number(err.code ?? 1) : 0, stdout: out, stderr: errOut }),
      ),
    );
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const bound = JSON.parse(stdout) as { name: string; resources: Record<string, unknown> };
    const file = JSON.parse(readFileSync(path.join(ROOT, "schema.json"), "utf8")) as {
      resources: Record<string, unknown>;
    };
    expect(bound.name).toBe("glassfish-ims");
    expect(Object.keys(bound.resources).sort()).toEqual(Object.keys(file.resources).sort());
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
