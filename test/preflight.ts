// Jest's globalSetup: says once, before any test runs, which tests will skip on this machine and
// why (each skipping file repeats its own reason). It reads the same checks the test files use.
import { spawnSync } from "child_process";
import { existsSync } from "fs";
import { dasHostUnavailable } from "./lab/das-host";
import { labUnavailable } from "./lab/lab";
import { libvirtdUnavailable } from "./lab/libvirtd";
import { yamlHostUnavailable } from "./e2e/plugin-setup";

function has(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

/** Every group of tests that will skip here, with the reason. */
export function skips(): string[] {
  const out: string[] = [];
  const lab = labUnavailable();
  const libvirtd = libvirtdUnavailable();
  const missing = ["virsh", "ssh", "ssh-keygen"].filter((c) => !has(c));
  if (missing.length)
    out.push(
      `libvirt connection tests: ${missing.join(", ")} not installed (npm test installs them when run as root)`,
    );
  else if (!existsSync("/usr/sbin/sshd") || process.getuid?.() !== 0)
    out.push("libvirt connections over ssh to a test sshd: need root and openssh-server");
  if (lab) out.push(`network lab tests (MAC discovery, remote libvirt): ${lab}`);
  const dasHost = lab ? undefined : dasHostUnavailable();
  if (lab ?? dasHost) out.push(`remote DAS host over SSH (sshd in a namespace): ${lab ?? dasHost}`);
  if (libvirtd)
    out.push(
      `real libvirtd tests: ${libvirtd}${libvirtd.includes("not installed") ? " (npm test installs it when run as root)" : ""}`,
    );
  if (lab ?? libvirtd) out.push(`examples/seed e2e (network lab and libvirtd): ${lab ?? libvirtd}`);
  if (process.getuid?.() !== 0 || !existsSync("/usr/bin/setpriv"))
    out.push("the plugin's caller check against a second user: needs root and setpriv");
  const yaml = yamlHostUnavailable();
  if (yaml) out.push(`provider plugin e2e (Pulumi YAML programs, pulumi import): ${yaml}`);
  if (!has("go"))
    out.push("provider plugin e2e in Python and Go: Go is not installed to build their hosts");
  else if (!has("python3")) out.push("provider plugin e2e in Python: python3 is not installed");
  return out;
}

/** Prints the skip list (nothing when every test can run). */
export default function preflight(): void {
  const list = skips();
  if (list.length === 0) return;
  process.stdout.write(
    `\nThese tests will SKIP on this machine:\n${list.map((l) => `  - ${l}`).join("\n")}\n\n`,
  );
}
