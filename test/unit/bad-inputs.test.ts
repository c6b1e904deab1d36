import * as path from "path";
import { providers } from "../../provider";
import { PluginProvider } from "../../provider/plugin/provider";
import type { CheckFailure } from "../../provider/resources/rules";
import { SEED, seedInputs } from "../support/seed";

// A real domain.xml without IMS configuration: check reads it (read only) once the rules pass.
const D = path.join(__dirname, "..", "fixtures", "domain.xml");

type Kind = "Virtualization" | "ServerPool" | "PoolUser" | "Machine" | "MachineUser";

const S = seedInputs(D);
const inProgram = { parentInProgram: true };
/** The seed's resources (office by its fixed ip alone), each case changes one. */
const GOOD: Record<Kind, Record<string, unknown>> = {
  Virtualization: { ...S.kvm },
  ServerPool: { ...S.pool, ...inProgram },
  PoolUser: { ...S.poolUser, ...inProgram },
  Machine: { ...S.office, networkName: undefined, ...inProgram, poolSubnet: SEED.subnet },
  MachineUser: { ...S.machineUser, ...inProgram },
};

const NAME_RULE =
  'must be 1 to 255 characters, start with a letter, digit or "_", and contain only letters, digits, "_", "-" and "."';
const USER_RULE =
  'must be a unix user name: 1 to 32 lower-case letters, digits, "_" or "-", starting with a letter or "_"';
const PORT_RULE =
  'must be a network interface name: 1 to 15 letters, digits, "_", "-", ".", ":" or "@" (";" separates the list in domain.xml)';
const MAC_RULE = 'must be six hex octets like 00:1c:c4:9f:e9:3b (":" or "-" separated)';
const AUTH = 'is not allowed: use one of "ssh", "libssh", "libssh2", "tls", "tcp", "unix", ""';
const REACH = 'needs exactly one way to be reached: networkName "localhost", ip, or mac';

// [resource, change to a good input, property, exact reason]
const CORPUS: Array<[Kind, Record<string, unknown>, string, string]> = [
  // Issue 21, item 13: a line feed at the end is not trimmed into a second spelling of the path.
  [
    "Virtualization",
    { domainXml: `${D}\n` },
    "domainXml",
    `domainXml ${JSON.stringify(`${D}\n`)} must be the path of a GlassFish domain.xml, such as glassfish/domains/domain1/config/domain.xml`,
  ],
  ["Virtualization", { name: "kvm\n" }, "name", `name "kvm\\n" ${NAME_RULE}`],
  [
    "ServerPool",
    { subnet: "224.0.0.0/24" },
    "subnet",
    `subnet "224.0.0.0/24" is in the multicast range 224.0.0.0/4, where no machine can be found or reached: give the subnet of the network the pool's machines are on`,
  ],
  [
    "ServerPool",
    { subnet: "239.255.0.0/16" },
    "subnet",
    `subnet "239.255.0.0/16" is in the multicast range 224.0.0.0/4, where no machine can be found or reached: give the subnet of the network the pool's machines are on`,
  ],
  [
    "ServerPool",
    { subnet: "127.0.0.0/24" },
    "subnet",
    `subnet "127.0.0.0/24" is in the loopback range 127.0.0.0/8, the DAS host's own addresses, where no other machine can be found or reached (the DAS host itself is a Machine with networkName: localhost): give the subnet of the network the pool's machines are on`,
  ],
  [
    "ServerPool",
    { subnet: "127.0.0.0/8" },
    "subnet",
    `subnet "127.0.0.0/8" is in the loopback range 127.0.0.0/8, the DAS host's own addresses, where no other machine can be found or reached (the DAS host itself is a Machine with networkName: localhost): give the subnet of the network the pool's machines are on`,
  ],
  ["Virtualization", { name: "my kvm" }, "name", `name "my kvm" ${NAME_RULE}`],
  ["Virtualization", { name: "kvm<1>" }, "name", `name "kvm<1>" ${NAME_RULE}`],
  ["Virtualization", { name: "" }, "name", `name "" ${NAME_RULE}`],
  ["Virtualization", { name: 42 }, "name", "name must be a string, got 42"],
  [
    "Virtualization",
    { emulator: "KVM" },
    "emulator",
    'emulator "KVM" is not allowed: use one of "kvm", "qemu", "xen", "test"',
  ],
  [
    "Virtualization",
    { emulatorPath: "kvm" },
    "emulatorPath",
    'emulatorPath "kvm" must be an absolute path such as /usr/bin/kvm',
  ],
  [
    "Virtualization",
    { connectionString: "qemu://#{host}/system" },
    "",
    "connectionString uses unknown macro #{host}: allowed are #{auth.sep}, #{auth.method}, #{user.name}, #{target.host}",
  ],
  [
    "Virtualization",
    { connectionString: "qemu:///sys tem" },
    "",
    'connectionString must be a libvirt URI template (a scheme, "://", no whitespace) such as qemu#{auth.sep}#{auth.method}://#{user.name}@#{target.host}/system',
  ],
  [
    "Virtualization",
    { connectionString: "test:///default\u0001" },
    "",
    "connectionString holds the character U+0001 at position 16, which XML 1.0 does not allow: remove it",
  ],
  [
    "Virtualization",
    { emulatorPath: "/usr/bin/kvm\uFFFE" },
    "emulatorPath",
    "emulatorPath holds the character U+FFFE at position 13, which XML 1.0 does not allow: remove it",
  ],
  [
    "Virtualization",
    { connectionString: "qemu+ssh://#{user.name}@evil@#{target.host}/system" },
    "",
    'connectionString expands for a remote machine to a URI whose user@host part has more than one "@": libvirt would read another user or host than intended',
  ],
  [
    "Virtualization",
    { connectionString: "qemu+ssh://#{user.name}@#{target.host}:ssh/system" },
    "",
    "connectionString expands for a remote machine to a URI whose host part is not a host name or address with an optional :port",
  ],
  [
    "Machine",
    { ip: undefined, mac: "FF:FF:FF:FF:FF:FF" },
    "mac",
    'mac "FF:FF:FF:FF:FF:FF" is the broadcast address: give the unicast MAC of the machine\'s network card',
  ],
  [
    "Machine",
    { ip: undefined, mac: "01:00:5e:00:00:fb" },
    "mac",
    'mac "01:00:5e:00:00:fb" is a multicast address (the first octet is odd): give the unicast MAC of the machine\'s network card',
  ],
  [
    "Machine",
    { ip: undefined, mac: "00-00-00-00-00-00" },
    "mac",
    'mac "00-00-00-00-00-00" is the all-zero address: give the unicast MAC of the machine\'s network card',
  ],
  [
    "ServerPool",
    { portNames: ["br0", "eth\u0000"] },
    "portNames",
    "portNames holds the character U+0000 at position 4 of [1], which XML 1.0 does not allow: remove it",
  ],
  [
    "Virtualization",
    { templateCacheSize: 10001 },
    "templateCacheSize",
    "templateCacheSize 10001 must be a whole number from 0 to 10000",
  ],
  [
    "Virtualization",
    { templateCacheRefreshRate: 0 },
    "templateCacheRefreshRate",
    "templateCacheRefreshRate 0 must be a whole number from 1 to 86400",
  ],
  [
    "Virtualization",
    { domainXml: "a\nb" },
    "domainXml",
    'domainXml "a\\nb" must be the path of a GlassFish domain.xml, such as glassfish/domains/domain1/config/domain.xml',
  ],
  [
    "ServerPool",
    { subnet: "10.132.181.5/24" },
    "subnet",
    'subnet "10.132.181.5/24" is not a network address: did you mean "10.132.181.0/24"?',
  ],
  [
    "ServerPool",
    { subnet: "10.132.181.0" },
    "subnet",
    'subnet "10.132.181.0" must be an IPv4 subnet in CIDR form such as 10.132.181.0/24',
  ],
  [
    "ServerPool",
    { subnet: "10.132.256.0/24" },
    "subnet",
    'subnet "10.132.256.0/24" must be an IPv4 subnet in CIDR form such as 10.132.181.0/24',
  ],
  [
    "ServerPool",
    { subnet: "10.0.0.0/31" },
    "subnet",
    'subnet "10.0.0.0/31" must have a prefix length from /8 to /30',
  ],
  [
    "ServerPool",
    { subnet: "fd00::/64" },
    "subnet",
    'subnet "fd00::/64" must be an IPv4 subnet in CIDR form such as 10.132.181.0/24',
  ],
  ["ServerPool", { subnet: undefined }, "subnet", "subnet is required"],
  [
    "ServerPool",
    { portNames: [] },
    "portNames",
    'portNames [] must list at least one network interface of the DAS host, such as ["br0"]',
  ],
  [
    "ServerPool",
    { portNames: "br0" },
    "portNames",
    'portNames "br0" must list at least one network interface of the DAS host, such as ["br0"]',
  ],
  [
    "ServerPool",
    { portNames: ["cscotun0;br0"] },
    "portNames",
    `portNames[0] "cscotun0;br0" ${PORT_RULE}`,
  ],
  [
    "ServerPool",
    { portNames: ["br0", "a-very-long-interface"] },
    "portNames",
    `portNames[1] "a-very-long-interface" ${PORT_RULE}`,
  ],
  ["ServerPool", { portNames: ["br 0"] }, "portNames", `portNames[0] "br 0" ${PORT_RULE}`],
  ["ServerPool", { portNames: ["br0", "br0"] }, "portNames", 'portNames[1] "br0" is listed twice'],
  ["ServerPool", { virtualization: "k/v" }, "virtualization", `virtualization "k/v" ${NAME_RULE}`],
  ["ServerPool", { name: "cloud pool" }, "name", `name "cloud pool" ${NAME_RULE}`],
  ["PoolUser", { name: "John" }, "name", `name "John" ${USER_RULE}`],
  ["PoolUser", { name: "j@doe" }, "name", `name "j@doe" ${USER_RULE}`],
  ["PoolUser", { name: "j/doe" }, "name", `name "j/doe" ${USER_RULE}`],
  ["PoolUser", { name: "a".repeat(33) }, "name", `name "${"a".repeat(33)}" ${USER_RULE}`],
  ["PoolUser", { userId: -1 }, "userId", "userId -1 must be a whole number from 0 to 4294967294"],
  [
    "PoolUser",
    { groupId: 1.5 },
    "groupId",
    "groupId 1.5 must be a whole number from 0 to 4294967294",
  ],
  [
    "PoolUser",
    { userId: "1001" },
    "userId",
    'userId "1001" must be a whole number from 0 to 4294967294',
  ],
  ["PoolUser", { groupId: undefined }, "groupId", "groupId is required"],
  ["PoolUser", { authMethod: "rsh" }, "authMethod", `authMethod "rsh" ${AUTH}`],
  ["PoolUser", { serverPool: undefined }, "serverPool", "serverPool is required"],
  ["Machine", { ip: undefined, mac: "00:1c:c4:9f:e9" }, "mac", `mac "00:1c:c4:9f:e9" ${MAC_RULE}`],
  [
    "Machine",
    { ip: undefined, mac: "00:1c:c4:9f:e9:3g" },
    "mac",
    `mac "00:1c:c4:9f:e9:3g" ${MAC_RULE}`,
  ],
  [
    "Machine",
    { ip: undefined, mac: "00:1c-c4:9f:e9:3b" },
    "mac",
    `mac "00:1c-c4:9f:e9:3b" ${MAC_RULE}`,
  ],
  ["Machine", { ip: undefined, mac: "001cc49fe93b" }, "mac", `mac "001cc49fe93b" ${MAC_RULE}`],
  [
    "Machine",
    { ip: "10.132.182.57" },
    "ip",
    'ip "10.132.182.57" is not a host address of the pool subnet 10.132.181.0/24',
  ],
  [
    "Machine",
    { ip: "10.132.181.255" },
    "ip",
    'ip "10.132.181.255" is not a host address of the pool subnet 10.132.181.0/24',
  ],
  [
    "Machine",
    { ip: "10.132.181" },
    "ip",
    'ip "10.132.181" must be an IPv4 address such as 10.132.181.57',
  ],
  [
    "Machine",
    { ip: "host.example" },
    "ip",
    'ip "host.example" must be an IPv4 address such as 10.132.181.57',
  ],
  [
    "Machine",
    { mac: "00:1c:c4:9f:e9:3b" },
    "mac",
    'machine "office" has both ip and mac: give exactly one way to reach it (networkName "localhost", ip, or mac)',
  ],
  ["Machine", { ip: undefined }, "networkName", `machine "office" ${REACH}`],
  ["Machine", { ip: undefined, networkName: "office" }, "ip", `machine "office" ${REACH}`],
  [
    "Machine",
    { networkName: "localhost" },
    "networkName",
    'machine "office" is "localhost" and also has ip: a localhost machine is the DAS host itself, drop one',
  ],
  ["Machine", { networkName: "my office" }, "networkName", `networkName "my office" ${NAME_RULE}`],
  [
    "Machine",
    { disksLocation: "" },
    "disksLocation",
    'disksLocation "" must be a directory path such as virt/disks or /srv/virt/disks',
  ],
  [
    "Machine",
    { templatesLocation: "a;b" },
    "templatesLocation",
    'templatesLocation "a;b" must be a directory path such as virt/disks or /srv/virt/disks',
  ],
  [
    "Machine",
    { verifyConnection: "no" },
    "verifyConnection",
    'verifyConnection "no" must be true or false',
  ],
  ["Machine", { name: "office#1" }, "name", `name "office#1" ${NAME_RULE}`],
  ["MachineUser", { machine: undefined }, "machine", "machine is required"],
  ["MachineUser", { name: "root user" }, "name", `name "root user" ${USER_RULE}`],
  ["MachineUser", { authMethod: "telnet" }, "authMethod", `authMethod "telnet" ${AUTH}`],
];

async function failures(kind: Kind, change: Record<string, unknown>): Promise<CheckFailure[]> {
  const inputs = { ...GOOD[kind], ...change };
  const r = (await providers[kind].check({}, inputs)) as { failures: CheckFailure[] };
  return r.failures;
}

/**
 * The same inputs through the provider plugin, as a program of any language gives them: the
 * machine's pool subnet is not an input there (the SDK's `poolSubnet`), the plugin knows it from
 * the pool it checked earlier in the deployment.
 */
async function pluginFailures(
  kind: Kind,
  change: Record<string, unknown>,
): Promise<CheckFailure[]> {
  const plugin = new PluginProvider();
  const urn = (k: string, n: string) => `urn:pulumi:dev::p::glassfish-ims:index:${k}::${n}`;
  await plugin.check(
    "glassfish-ims:index:ServerPool",
    urn("ServerPool", "cloud"),
    "cloud",
    undefined,
    {
      ...GOOD.ServerPool,
    },
  );
  const inputs: Record<string, unknown> = { ...GOOD[kind] };
  delete inputs.poolSubnet;
  Object.assign(inputs, change);
  for (const [k, v] of Object.entries(inputs)) if (v === undefined) delete inputs[k];
  const r = await plugin.check(
    `glassfish-ims:index:${kind}`,
    urn(kind, "r"),
    "r",
    undefined,
    inputs,
  );
  return r.failures;
}

describe("check: the bad-input corpus through the provider plugin", () => {
  it.each(Object.keys(GOOD) as Kind[])("accepts the good %s inputs", async (kind) => {
    expect(await pluginFailures(kind, {})).toEqual([]);
  });

  it.each(CORPUS)("%s %j fails on %s", async (kind, change, property, reason) => {
    expect(await pluginFailures(kind, change)).toEqual([{ property, reason }]);
  });

  it("places a machine's fixed ip in the subnet of its pool checked earlier", async () => {
    expect(await pluginFailures("Machine", { ip: "10.9.9.9" })).toEqual([
      {
        property: "ip",
        reason: 'ip "10.9.9.9" is not a host address of the pool subnet 10.132.181.0/24',
      },
    ]);
  });
});

describe("check: the bad-input corpus", () => {
  it("has at least 40 cases", () => expect(CORPUS.length).toBeGreaterThanOrEqual(40));

  it.each(Object.keys(GOOD) as Kind[])("accepts the good %s inputs", async (kind) => {
    expect(await failures(kind, {})).toEqual([]);
  });

  it.each(CORPUS)("%s %j fails on %s", async (kind, change, property, reason) => {
    expect(await failures(kind, change)).toEqual([{ property, reason }]);
  });
});

describe("check: normalization", () => {
  it("normalizes MACs to lower-case colon form", async () => {
    const r = (await providers.Machine.check(
      {},
      { ...GOOD.Machine, ip: undefined, mac: "00-1C-C4-9F-E9-3B" },
    )) as {
      inputs: Record<string, unknown>;
    };
    expect(r.inputs.mac).toBe("00:1c:c4:9f:e9:3b");
  });

  it("accepts networkName with a mac, and localhost alone", async () => {
    expect(
      await failures("Machine", { ip: undefined, mac: "00:1c:c4:9f:e9:3b", networkName: "lab" }),
    ).toEqual([]);
    expect(await failures("Machine", { ip: undefined, networkName: "localhost" })).toEqual([]);
  });

  it("lets unknown values pass, including the reach rule", async () => {
    const u = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    expect(await failures("Machine", { ip: u, mac: u, networkName: u, poolSubnet: u })).toEqual([]);
    expect(await failures("ServerPool", { subnet: u, portNames: [u, "br0"] })).toEqual([]);
  });
});
