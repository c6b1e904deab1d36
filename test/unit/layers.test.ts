import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const PROVIDER = path.join(__dirname, "../../provider");

/** The module specifiers a source file imports or re-exports (static, dynamic, require). */
function specifiers(file: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** The `.ts` files directly in `dir`. */
function sources(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join(dir, f));
}

/** Where a relative specifier of `file` lands, as a path under provider/. */
function target(file: string, spec: string): string {
  return path.relative(PROVIDER, path.resolve(path.dirname(file), spec));
}

describe("the layers of provider/", () => {
  const plugin = sources(path.join(PROVIDER, "plugin"));

  it("reads every import of the plugin, re-exports and require calls too", () => {
    const probe = path.join(PROVIDER, "plugin/provider.ts");
    expect(plugin).toContain(probe);
    expect(specifiers(probe)).toEqual(expect.arrayContaining(["../index", "./wire"]));
    const text = 'export { a } from "../x";\nconst b = require("../y");\nimport("../z");';
    expect(ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName)).toEqual([
      "../x",
      "../y",
      "../z",
    ]);
  });

  it("has the plugin reach resources/ and domain/ only through the seam, engine.ts", () => {
    const direct = plugin.flatMap((file) =>
      specifiers(file)
        .filter((s) => s.startsWith("."))
        .map((s) => [path.relative(PROVIDER, file), target(file, s)] as const)
        .filter(([, t]) => /^(resources|domain)(\/|$)/.test(t))
        .map(([from, t]) => `${from} imports ${t}: import it from ../engine (re-export it there)`),
    );
    expect(direct).toEqual([]);
  });

  it("declares the seam's types below the resources: engine-types.ts imports none of them", () => {
    const file = path.join(PROVIDER, "engine-types.ts");
    const below = specifiers(file).map((s) => target(file, s));
    expect(below.filter((t) => /^(resources|domain|plugin)(\/|$)|^engine$/.test(t))).toEqual([]);
  });
});
