// The `glassfish-ims` command (bin/glassfish-ims):
//   glassfish-ims import-file <domain.xml>   prints the `pulumi import --file` JSON of its IMS elements
import * as path from "path";
import { readDomain } from "../store/store";
import { importDocument } from "./import-file";

const USAGE =
  "usage: glassfish-ims import-file <domain.xml>   (prints the pulumi import --file JSON)";

/** Runs the command with `args` (without node and the script); resolves with the exit code. */
export async function main(
  args: readonly string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  const [command, file, ...rest] = args;
  if (command !== "import-file" || file === undefined || rest.length > 0) {
    err(`${USAGE}\n`);
    return 2;
  }
  try {
    const abs = path.resolve(file);
    const { doc } = await readDomain(abs);
    out(`${JSON.stringify(importDocument(doc, abs), null, 2)}\n`);
    return 0;
  } catch (e) {
    err(`glassfish-ims import-file: ${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
