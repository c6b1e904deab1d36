// `virsh` on the host that holds domain.xml: the libvirt connection is DAS → machine, so a DAS
// reached over SSH checks it from there (its known_hosts, its keys, its routes), not from the
// machine that runs pulumi.
import { ImsError } from "../errors";
import type { Host } from "../store/effects";
import { VIRSH, type VirshRun, type VirshRunner } from "./connect";

/**
 * The {@link VirshRunner} of `host`: {@link VIRSH} on this machine, else `virsh` run on the DAS
 * host with the same environment (`LIBVIRT_DEFAULT_URI=""`, `LC_ALL=C`) and time bound. A DAS
 * host without virsh fails with `DAS_HOST_TOOL_MISSING`, naming the package.
 */
export function virshOn(host: Host): VirshRunner {
  if (host.id === "local") return VIRSH;
  return async (args, timeoutMs) => {
    const started = Date.now();
    let r: VirshRun;
    try {
      r = await host.run("virsh", args, {
        timeoutMs,
        env: { LIBVIRT_DEFAULT_URI: "", LC_ALL: "C" },
      });
    } catch (e) {
      // A host may end a command at its bound by failing the call rather than with `timedOut`
      // (an SSH host does): a failure at the bound is the bound, reported as a time-out.
      if (Date.now() - started < timeoutMs) throw e;
      return { code: 1, stdout: "", stderr: (e as Error).message, timedOut: true };
    }
    // 127: env(1) or the shell found no virsh on the PATH (126: found, not executable).
    if (r.code === 127 || r.code === 126) {
      throw new ImsError(
        "DAS_HOST_TOOL_MISSING",
        `checking the libvirt connection runs virsh on the DAS host ${host.label}, which it does not have (${r.stderr.trim() || `exit ${r.code}`}): install libvirt-clients there (Debian: apt-get install libvirt-clients), or set verifyConnection: false on the machine`,
      );
    }
    return r;
  };
}
