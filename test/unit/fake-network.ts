import type { NetworkInterfaceInfo } from "os";
import type { Neighbour } from "../../provider/net/neighbours";
import type { SweepEffects } from "../../provider/net/sweep";

/**
 * A pretend network for code around discovery (the real sweep runs in the network lab): the DAS
 * has `br0` at 10.132.181.1/24 and the hosts of `table` answer after `answerAfter` probes.
 */
export function fakeNetwork(table: Record<string, string>, answerAfter = 1) {
  let probes = 0;
  let clock = 0;
  const sent: string[][] = [];
  const br0: NetworkInterfaceInfo = {
    address: "10.132.181.1",
    netmask: "255.255.255.0",
    family: "IPv4",
    mac: "02:00:00:00:00:01",
    internal: false,
    cidr: "10.132.181.1/24",
  };
  const fx: SweepEffects = {
    interfaces: async () => ({ br0: [br0] }),
    probe: async (addresses) => {
      probes++;
      sent.push([...addresses]);
    },
    neighbours: async (): Promise<Neighbour[]> =>
      probes >= answerAfter
        ? Object.entries(table).map(([mac, ip]) => ({ ip, mac, dev: "br0" }))
        : [],
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
  };
  return { fx, sent, probes: () => probes };
}

/** An IPv4 entry of `os.networkInterfaces()` with the given address and CIDR. */
export function v4(address: string, cidr: string): NetworkInterfaceInfo {
  return { address, cidr, family: "IPv4", netmask: "", mac: "", internal: false };
}
