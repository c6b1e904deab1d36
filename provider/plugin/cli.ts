// The `glassfish-ims` command (bin/glassfish-ims):
//   glassfish-ims import-file <domain.xml>   prints the `pulumi import --file` JSON of its IMS elements;
//   each element it cannot import is named on stderr with the reason, and the exit code is then 1
//   glassfish-ims --help | --version
import { readFileSync } from "fs";
import * as path from "path";
import { readDomain } from "../store/store";
import { planImport } from "./import-file";

const USAGE =
  "usage: glassfish-ims import-file <domain.xml>   (prints the pulumi import --file JSON)";

/** The help text: the usage line and the other two forms. */
const HELP = `${USAGE}
       glassfish-ims --help      this text
       glassfish-ims --version   the version of glassfish-ims`;

/** This package's version, from the package.json above this file (dist/ or a checkout). */
function version(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "glassfish-ims" && pkg.version) return pkg.version;
    } catch {
      // no package.json here: look further up
    }
    if (path.dirname(dir) === dir) return "unknown";
  }
}

/** Runs the command with `args` (without node and the script); resolves with the exit code. */
export async function main(
  args: readonly string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  const [command, file, ...rest] = args;
  if (args.length === 1 && ["--help", "-h", "help"].includes(command)) {
    out(`${HELP}\n`);
    return 0;
  }
  if (args.length === 1 && ["--version", "-v", "version"].includes(command)) {
    out(`${version()}\n`);
    return 0;
  }
  if (command !== "import-file" || file === undefined || rest.length > 0) {
    err(`${USAGE}\n`);
    return 2;
  }
  try {
    const abs = path.resolve(file);
    const { doc } = await readDomain(abs);
    const { document, notImported } = planImport(doc, abs);
    out(`${JSON.stringify(document, null, 2)}\n`);
    for (const { path: at, reason } of notImported) {
      err(`glassfish-ims import-file: not imported: ${at}: ${reason}\n`);
    }
    return notImported.length > 0 ? 1 : 0;
  } catch (e) {
    err(`glassfish-ims import-file: ${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
