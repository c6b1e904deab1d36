import { spawnSync } from "child_process";
import * as ts from "typescript";
import { generatedFiles } from "../../scripts/generate";
import { snake } from "../../scripts/docs";

// The registry docs (docs/, generated from the schema: fields.test.ts checks that the committed
// files are what the generator gives) and the examples on their API pages.
const files = generatedFiles();
const pages = Object.keys(files).filter((f) => f.startsWith("docs/api/"));

/** The code blocks of one language on a page. */
function blocks(text: string, lang: string): string[] {
  return [...text.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)\\n```", "g"))].map(
    (m) => m[1],
  );
}

const hasGofmt = spawnSync("sh", ["-c", "command -v gofmt"]).status === 0;
const hasPython = spawnSync("sh", ["-c", "command -v python3"]).status === 0;

test("there is an API page per resource of the schema, and the index links each", () => {
  const schema = JSON.parse(files["schema.json"]) as { resources: Record<string, unknown> };
  const types = Object.keys(schema.resources).map((t) => t.split(":")[2].toLowerCase());
  expect(pages.sort()).toEqual(types.map((t) => `docs/api/${t}.md`).sort());
  for (const t of types) expect(files["docs/_index.md"]).toContain(`](api/${t}.md)`);
});

test.each(pages)("%s lists every input and output of the schema", (page) => {
  const schema = JSON.parse(files["schema.json"]) as {
    resources: Record<string, { properties: object; inputProperties: object }>;
  };
  const [, r] = Object.entries(schema.resources).find(
    ([t]) => `docs/api/${t.split(":")[2].toLowerCase()}.md` === page,
  ) as [string, { properties: object; inputProperties: object }];
  for (const name of [...Object.keys(r.properties), ...Object.keys(r.inputProperties)]) {
    expect(files[page]).toContain(`| \`${name}\` / \`${snake(name)}\` /`);
  }
});

test.each(pages)("%s has one example per language: TypeScript, Python, Go, YAML", (page) => {
  for (const lang of ["typescript", "python", "go", "yaml"]) {
    expect(blocks(files[page], lang)).toHaveLength(1);
  }
});

test.each(pages)("%s: the TypeScript example parses", (page) => {
  const [code] = blocks(files[page], "typescript");
  const out = ts.transpileModule(code, { reportDiagnostics: true });
  expect(out.diagnostics ?? []).toEqual([]);
});

(hasGofmt ? test.each(pages) : test.skip.each(pages))(
  "%s: the Go example parses and is gofmt-clean",
  (page) => {
    const [code] = blocks(files[page], "go");
    const r = spawnSync("gofmt", ["-d"], { input: `${code}\n`, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("");
    expect(r.status).toBe(0);
  },
);

(hasPython ? test.each(pages) : test.skip.each(pages))("%s: the Python example parses", (page) => {
  const [code] = blocks(files[page], "python");
  const r = spawnSync("python3", ["-c", "import ast, sys; ast.parse(sys.stdin.read())"], {
    input: code,
    encoding: "utf8",
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
});
