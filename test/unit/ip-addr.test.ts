import { parseIpAddrJson } from "../../provider/net/ip-addr";

// `ip -j addr show` as iproute2 6.1 prints it (trimmed to the fields read), for a DAS host with
// a loopback, a pool port with an alias, a port that is down and one without carrier.
const SAMPLE = JSON.stringify([
  {
    ifname: "lo",
    flags: ["LOOPBACK", "UP", "LOWER_UP"],
    address: "00:00:00:00:00:00",
    addr_info: [
      { family: "inet", local: "127.0.0.1", prefixlen: 8, label: "lo" },
      { family: "inet6", local: "::1", prefixlen: 128 },
    ],
  },
  {
    ifname: "br0",
    flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
    address: "02:AB:00:00:00:01",
    addr_info: [
      { family: "inet", local: "10.132.181.1", prefixlen: 24, label: "br0" },
      { family: "inet", local: "10.132.182.1", prefixlen: 22, label: "br0:1" },
      { family: "inet6", local: "fe80::ab:ff:fe00:1", prefixlen: 64 },
    ],
  },
  {
    ifname: "eth1",
    flags: ["BROADCAST", "MULTICAST"],
    address: "02:00:00:00:00:02",
    addr_info: [{ family: "inet", local: "10.0.9.1", prefixlen: 24, label: "eth1" }],
  },
  {
    ifname: "eth2",
    flags: ["NO-CARRIER", "BROADCAST", "MULTICAST", "UP"],
    address: "02:00:00:00:00:03",
    addr_info: [{ family: "inet", local: "10.0.10.1", prefixlen: 24, label: "eth2" }],
  },
]);

describe("parseIpAddrJson", () => {
  it("gives os.networkInterfaces()'s shape, keyed by label, without down or carrier-less ports", () => {
    expect(parseIpAddrJson(SAMPLE)).toEqual({
      lo: [
        {
          address: "127.0.0.1",
          netmask: "255.0.0.0",
          family: "IPv4",
          mac: "00:00:00:00:00:00",
          internal: true,
          cidr: "127.0.0.1/8",
        },
        {
          address: "::1",
          netmask: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
          family: "IPv6",
          mac: "00:00:00:00:00:00",
          internal: true,
          cidr: "::1/128",
          scopeid: 0,
        },
      ],
      br0: [
        {
          address: "10.132.181.1",
          netmask: "255.255.255.0",
          family: "IPv4",
          mac: "02:ab:00:00:00:01",
          internal: false,
          cidr: "10.132.181.1/24",
        },
        {
          address: "fe80::ab:ff:fe00:1",
          netmask: "ffff:ffff:ffff:ffff:0:0:0:0",
          family: "IPv6",
          mac: "02:ab:00:00:00:01",
          internal: false,
          cidr: "fe80::ab:ff:fe00:1/64",
          scopeid: 0,
        },
      ],
      "br0:1": [
        {
          address: "10.132.182.1",
          netmask: "255.255.252.0",
          family: "IPv4",
          mac: "02:ab:00:00:00:01",
          internal: false,
          cidr: "10.132.182.1/22",
        },
      ],
    });
  });

  it("refuses text that is not a JSON array", () => {
    expect(() => parseIpAddrJson('{"ifname":"lo"}')).toThrow(
      "ip -j addr did not print a JSON array",
    );
    expect(() => parseIpAddrJson("1: lo: <LOOPBACK,UP> mtu 65536")).toThrow(SyntaxError);
  });
});
