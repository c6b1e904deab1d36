import { readFileSync, writeFileSync } from "fs";
import * as path from "path";

/** Reads a file under test/fixtures. */
export function fixture(name: string): string {
  return readFileSync(path.join(__dirname, "..", "fixtures", name), "utf8");
}

/**
 * Compares `actual` with the golden file `test/fixtures/golden/<name>`; `UPDATE_GOLDEN=1`
 * rewrites the golden file instead (review the diff before committing it).
 */
export function expectGolden(name: string, actual: string): void {
  const file = path.join(__dirname, "..", "fixtures", "golden", name);
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, "utf8"));
}
