// Prints the demo stack's outputs (`pulumi stack output --json` on stdin) as what a user wants to
// see: per machine how it is reached and what its hypervisor reported.

/** One machine of the demo's `reached` output. */
export interface Reached {
  name: string;
  address?: string;
  resolvedBy: string;
  discoveredVia?: string;
  libvirtUri?: string;
  hostname?: string;
  libvirtVersion?: string;
  hypervisorType?: string;
  hypervisorVersion?: string;
  connectionError?: string;
}

/** The demo stack's outputs. */
export interface DemoOutputs {
  file: string;
  serverPool: {
    name: string;
    subnet: string;
    dasAddress?: string;
    dasPort?: string;
    dasResolution?: string;
  };
  reached: Reached[];
  restartRequired: boolean;
}

/** The report's lines. */
export function report(o: DemoOutputs): string[] {
  const p = o.serverPool;
  const das = p.dasAddress ? `${p.dasAddress} on ${p.dasPort}` : `none (${p.dasResolution})`;
  const lines = [`server pool ${p.name} (${p.subnet}); DAS address on it: ${das}`];
  for (const m of o.reached) {
    const how = m.discoveredVia ? `${m.resolvedBy}, via ${m.discoveredVia}` : m.resolvedBy;
    lines.push(
      `machine ${m.name}`,
      `  address     ${m.address ?? "none"} (resolved by ${how})`,
      `  libvirt URI ${m.libvirtUri ?? "none"}`,
      m.connectionError
        ? `  connection  FAILED: ${m.connectionError}`
        : m.hypervisorType
          ? `  hypervisor  ${m.hypervisorType} ${m.hypervisorVersion} on host ${m.hostname}, libvirt ${m.libvirtVersion} (connection checked)`
          : "  hypervisor  not checked (no virsh: install libvirt-clients)",
    );
  }
  lines.push(
    o.restartRequired
      ? "restartRequired: the last write changed domain.xml; GlassFish reads it when it (re)starts"
      : "restartRequired: false",
  );
  return lines;
}

if (require.main === module) {
  let input = "";
  process.stdin.on("data", (d) => (input += d));
  process.stdin.on("end", () => console.log(report(JSON.parse(input) as DemoOutputs).join("\n")));
}
