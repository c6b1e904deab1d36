import { readdirSync, readFileSync, statSync } from "fs";
import * as path from "path";
import { tempDomain } from "../support/domain";
import { fixture } from "../support/fixtures";
import { TestProject, type CliResult } from "./harness";

jest.setTimeout(300_000);

const PROGRAM = path.join(__dirname, "programs", "secrets");
const PASSWORDS = ["Hunter2PW", "Hunter3PW"];
// The host is loopback, not #{target.host}: the machine's address (TEST-NET-1) is never contacted.
const PLANTED = "qemu+ssh://#{user.name}:Hunter2PW@127.0.0.2/system?password=Hunter3PW&keyfile=/k";

/** Every regular file under `dir` (links are not followed: node_modules is the repo's). */
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return e.isFile() ? [p] : [];
  });
}

describe("a secret connection string through the real pulumi CLI", () => {
  it("never shows its passwords: not in the state, its backups and history, nor any CLI output", async () => {
    const domain = tempDomain(fixture("domain.xml"));
    const project = await TestProject.create(PROGRAM);
    const printed: Array<[string, CliResult]> = [];
    const run = async (args: string[], expectOk = true) => {
      const r = await project.run(args);
      printed.push([args.join(" "), r]);
      if (expectOk && r.code !== 0)
        throw new Error(`pulumi ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
      return r;
    };
    try {
      await project.config("domainXml", domain.file);
      // First a connection string that works (the test driver), so the machine is created
      // verified; then the planted one, which the next refresh and update connect with.
      await run(["config", "set", "--secret", "connectionString", "test:///default"]);
      await run(["up", "--yes", "--skip-preview"]);
      await run(["config", "set", "--secret", "connectionString", PLANTED]);
      await run(["up", "--yes", "--skip-preview", "--diff"]);
      expect(domain.read()).toContain("Hunter3PW"); // GlassFish needs it in its file

      // refresh connects (and fails: nothing listens for ssh at 127.0.0.2)
      await run(["refresh", "--yes", "--skip-preview", "--diff"]);
      // stack outputs are the program's: an up with nothing to change brings them in step
      await run(["up", "--yes", "--skip-preview", "--diff"]);
      const plain = await run(["stack", "output", "--json"]);
      expect(JSON.parse(plain.stdout)).toEqual({
        connectionString: "[secret]",
        effectiveConnectionString: "[secret]",
        libvirtUri: "qemu+ssh://cloud@127.0.0.2/system?password=***&keyfile=/k",
        connectionError: expect.stringMatching(
          /^glassfish-ims (CONNECTION_REFUSED|CONNECT_TIMEOUT|LIBVIRT_ERROR|SSH_AUTH|SSH_HOST_KEY): .*qemu\+ssh:\/\/cloud@127\.0\.0\.2\/system\?password=\*\*\*&keyfile=\/k/,
        ),
      });
      await run(["stack", "output"]);
      await run(["stack", "export"]);
      await run(["stack", "history", "--json"]);

      // a preview that refreshes connects again and fails; an update fails before writing
      await run(["preview", "--refresh", "--diff"]);
      await run(["config", "set", "disksLocation", "/srv/disks"]);
      const failed = await run(["up", "--yes", "--skip-preview"], false);
      expect(failed.code).not.toBe(0);
      expect(failed.stdout).toContain("qemu+ssh://cloud@127.0.0.2/system?password=***&keyfile=/k");

      // the secret is there for whoever asks for it
      const shown = await run(["stack", "output", "--json", "--show-secrets"]);
      expect(JSON.parse(shown.stdout).effectiveConnectionString).toBe(PLANTED);
      printed.pop();

      const leaks: string[] = [];
      for (const [cmd, r] of printed) {
        for (const pw of PASSWORDS) {
          if (`${r.stdout}${r.stderr}`.includes(pw)) leaks.push(`pulumi ${cmd} printed ${pw}`);
        }
      }
      const all = files(project.base);
      expect(all.some((f) => f.includes(`${path.sep}history${path.sep}`))).toBe(true);
      expect(all.some((f) => f.includes(`${path.sep}backups${path.sep}`))).toBe(true);
      for (const f of all) {
        if (statSync(f).size > 64 << 20) continue;
        const text = readFileSync(f, "latin1");
        for (const pw of PASSWORDS) if (text.includes(pw)) leaks.push(`${f} holds ${pw}`);
      }
      expect(leaks).toEqual([]);
    } finally {
      project.cleanup();
      domain.cleanup();
    }
  });
});
