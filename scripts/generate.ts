// Writes what the field tables (provider/resources/*.ts) generate: schema.json, the README's
// input tables and the registry docs (docs/, scripts/docs.ts). `--check` writes nothing and fails when a file is not what the tables give.
// Run: npm run generate (or npm run generate -- --check).
import * as fs from "fs";
import * as path from "path";
import { packageSchema, renderReadme, type PackageInfo } from "../provider/schema";
import { registryDocs, type DocSchema } from "./docs";

/** The repository's root. */
export const ROOT = path.resolve(__dirname, "..");

/** Each generated file (relative to `root`) with the text the field tables give it. */
export function generatedFiles(root: string = ROOT): Record<string, string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as PackageInfo;
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  const schema = packageSchema(pkg);
  return {
    "schema.json": `${JSON.stringify(schema, null, 2)}\n`,
    "README.md": renderReadme(readme),
    ...registryDocs(schema as unknown as DocSchema),
  };
}

/** The generated files whose text on disk differs from what the tables give. */
export function staleFiles(root: string = ROOT): string[] {
  return Object.entries(generatedFiles(root))
    .filter(([file, text]) => {
      const p = path.join(root, file);
      return !fs.existsSync(p) || fs.readFileSync(p, "utf8") !== text;
    })
    .map(([file]) => file);
}

function main(args: readonly string[]): number {
  const stale = staleFiles();
  if (args.includes("--check")) {
    if (stale.length === 0) return 0;
    console.error(`not what the field tables generate: ${stale.join(", ")} (run npm run generate)`);
    return 1;
  }
  const files = generatedFiles();
  for (const file of stale) {
    fs.mkdirSync(path.dirname(path.join(ROOT, file)), { recursive: true });
    fs.writeFileSync(path.join(ROOT, file), files[file]);
  }
  console.log(stale.length === 0 ? "up to date" : `wrote ${stale.join(", ")}`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
