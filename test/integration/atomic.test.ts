import { mkdtempSync, readdirSync, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import { writeFileAtomic } from "../../provider/store/atomic";
import { storeTargets } from "../support/targets";
import { rejection } from "../support/domain";

describe.each(storeTargets())("the atomic writer through the $name effects", (target) => {
  beforeAll(() => target.start(), 60_000);
  afterAll(() => target.stop());
  it("turns a file system failure into IO_ERROR naming the file, leaving nothing behind", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "gf-ims-atomic-"));
    try {
      const file = path.join(dir, "missing", "domain.xml");
      const err = await rejection(
        writeFileAtomic(target.host(), file, [Buffer.from("<domain/>")], {
          mode: 0o644,
          uid: 0,
          gid: 0,
        }),
      );
      expect(err.code).toBe("IO_ERROR");
      expect(err.message).toMatch(
        new RegExp(`^glassfish-ims IO_ERROR: cannot write ${target.shown(file)}: ENOENT`),
      );
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
