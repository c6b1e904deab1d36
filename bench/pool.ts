// What the file-store benchmarks start from: a temp domain (the test fixture) holding a `kvm`
// virtualization and a `cloud` pool on 10.128.0.0/10, made through the provider's own code.
import { mkdirSync, mkdtempSync, promises as fs, readFileSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import * as machine from "../provider/resources/machine";
import * as pool from "../provider/resources/server-pool";
import * as virtualization from "../provider/resources/virtualization";

/** The address of machine `i` in the pool's /10 (never the network address). */
export const machineIp = (i: number): string =>
  `10.${128 + (i >> 16)}.${(i >> 8) & 255}.${i & 255 || 1}`;

/** A temp dir with `config/domain.xml` holding the pool; remove `dir` when done. */
export async function poolDomain(prefix: string): Promise<{ dir: string; file: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const file = path.join(dir, "config", "domain.xml");
  mkdirSync(path.dirname(file));
  writeFileSync(
    file,
    readFileSync(path.join(__dirname, "..", "..", "test", "fixtures", "domain.xml")),
  );
  await virtualization.create({ domainXml: file, name: "kvm", emulator: "kvm" });
  await pool.create({
    domainXml: file,
    virtualization: "kvm",
    name: "cloud",
    subnet: "10.128.0.0/10",
    portNames: ["br0"],
  });
  return { dir, file };
}

/** Adds `n` fixed-IP machines `m0`..`m<n-1>` to the pool, all at once (the provider batches them). */
export async function seedMachines(file: string, n: number): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      machine.create({
        domainXml: file,
        serverPool: "cloud",
        name: `m${i}`,
        ip: machineIp(i),
        verifyConnection: false,
      }),
    ),
  );
}

/**
 * The floor of any durable edit of `file`: read it, write a temp file beside it, fsync, rename.
 * It reads synchronously, as the provider does (see readWhole in provider/store/local.ts).
 */
export async function durableRewrite(file: string): Promise<void> {
  const bytes = readFileSync(file);
  const tmp = `${file}.bench-tmp`;
  const h = await fs.open(tmp, "w");
  try {
    await h.writeFile(bytes);
    await h.sync();
  } finally {
    await h.close();
  }
  await fs.rename(tmp, file);
}
