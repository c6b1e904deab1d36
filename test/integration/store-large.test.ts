import { mkdirSync, statSync, writeFileSync } from "fs";
import * as path from "path";
import { child, largeDomain } from "../../bench/large-file";
import { fixture } from "../support/fixtures";
import { tempDomain } from "../support/domain";

let domain: ReturnType<typeof tempDomain>;
beforeEach(() => (domain = tempDomain("")));
afterEach(() => domain.cleanup());

describe("a large domain.xml", () => {
  it("is edited with a peak RSS less than 4x its size above a process that only reads it", () => {
    mkdirSync(path.dirname(domain.file), { recursive: true });
    writeFileSync(domain.file, largeDomain(fixture("domain.xml"), 10));
    const size = statSync(domain.file).size;
    // Both children load the store from dist/; the baseline reads the file and stops there.
    const read = child("read", domain.file, path.join(__dirname, "..", "..", "dist", "bench"));
    const edit = child("edit", domain.file, path.join(__dirname, "..", "..", "dist", "bench"));
    const growth = ((edit.rssKb - read.rssKb) * 1024) / size;
    console.log(
      `10 MB edit: peak RSS ${edit.rssKb} KB, baseline ${read.rssKb} KB, growth ${growth.toFixed(2)}x`,
    );
    expect(growth).toBeLessThan(4);
  }, 60000);
});
