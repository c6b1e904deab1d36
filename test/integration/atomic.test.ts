import { mkdtempSync, readdirSync, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import { writeFileAtomic } from "../../provider/store/atomic";
import { localHost } from "../../provider/store/local";
import { rejection } from "./tmp";

describe("the atomic writer", () => {
  it("turns a file system failure into IO_ERROR naming the file, leaving nothing behind", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "gf-ims-atomic-"));
    try {
      const target = path.join(dir, "missing", "domain.xml");
      const err = await rejection(
        writeFileAtomic(localHost, target, [Buffer.from("<domain/>")], {
          mode: 0o644,
          uid: 0,
          gid: 0,
        }),
      );
      expect(err.code).toBe("IO_ERROR");
      expect(err.message).toMatch(
        new RegExp(`^glassfish-ims IO_ERROR: cannot write ${target}: ENOENT`),
      );
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
