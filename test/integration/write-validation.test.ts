import { readFileSync } from "fs";
import { isImsError } from "../../provider/errors";
import * as machine from "../../provider/resources/machine";
import * as pool from "../../provider/resources/server-pool";
import { UNKNOWN } from "../../provider/resources/rules";
import { machineUser, poolUser } from "../../provider/resources/user";
import * as virt from "../../provider/resources/virtualization";
import { fixture } from "../support/fixtures";
import { rejection, tempDomain } from "../support/domain";
import { seedInputs } from "../support/seed";

// Every write path of every resource module runs check's rules itself: a caller that skips
// check (any direct gRPC client of the plugin) gets INVALID_INPUT and the file keeps its bytes.
let d: ReturnType<typeof tempDomain>;
let outs: {
  virt: virt.VirtualizationOutputs;
  pool: pool.ServerPoolOutputs;
  machine: machine.MachineOutputs;
  poolUser: Awaited<ReturnType<typeof poolUser.create>>["outs"];
  machineUser: Awaited<ReturnType<typeof machineUser.create>>["outs"];
};
beforeEach(async () => {
  d = tempDomain(fixture("domain.xml"));
  const s = seedInputs(d.file, { portNames: ["br0"] });
  outs = {
    virt: (await virt.create(s.kvm)).outs,
    pool: (await pool.create(s.pool)).outs,
    machine: (await machine.create({ ...s.local, verifyConnection: false })).outs,
    poolUser: (await poolUser.create(s.poolUser)).outs,
    machineUser: (await machineUser.create({ ...s.machineUser, serverPool: "cloud" })).outs,
  };
});
afterEach(() => d.cleanup());

const FAIL = (kind: string) =>
  `glassfish-ims INVALID_INPUT: ${kind} inputs fail check, nothing was written: `;
const NOT_A_NETWORK = 'subnet "10.0.0.1/24" is not a network address: did you mean "10.0.0.0/24"?';
const BAD_PORT =
  'portNames[0] "br0;evil" must be a network interface name: 1 to 15 letters, digits, "_", "-", ".", ":" or "@" (";" separates the list in domain.xml)';
const BAD_USER =
  'name "Root@x" must be a unix user name: 1 to 32 lower-case letters, digits, "_" or "-", starting with a letter or "_"';

const CASES: Array<[string, () => Promise<unknown>, string]> = [
  [
    "Virtualization create: a value still unknown",
    () => virt.create({ domainXml: d.file, name: "v2", emulator: "kvm", emulatorPath: UNKNOWN }),
    `${FAIL("Virtualization")}emulatorPath is not known yet: create and update need every value`,
  ],
  [
    "Virtualization update: a relative emulator path",
    () => virt.update("", outs.virt, { ...outs.virt, emulatorPath: "rel/kvm" }),
    `${FAIL("Virtualization")}emulatorPath "rel/kvm" must be an absolute path such as /usr/bin/kvm`,
  ],
  [
    "ServerPool create: a host address as subnet, a port list with ';'",
    () =>
      pool.create({
        domainXml: d.file,
        virtualization: "kvm",
        name: "p2",
        subnet: "10.0.0.1/24",
        portNames: ["br0;evil"],
      }),
    `${FAIL("ServerPool")}${NOT_A_NETWORK}; ${BAD_PORT}`,
  ],
  [
    "ServerPool update: the same",
    () =>
      pool.update("", outs.pool, { ...outs.pool, subnet: "10.0.0.1/24", portNames: ["br0;evil"] }),
    `${FAIL("ServerPool")}${NOT_A_NETWORK}; ${BAD_PORT}`,
  ],
  [
    "Machine create: a multicast MAC, and both ip and mac (the cross-field rule)",
    () =>
      machine.create({
        domainXml: d.file,
        serverPool: "cloud",
        name: "m2",
        ip: "10.132.181.5",
        mac: "01:00:00:00:00:00",
        verifyConnection: false,
      }),
    `${FAIL("Machine")}mac "01:00:00:00:00:00" is a multicast address (the first octet is odd): give the unicast MAC of the machine's network card; machine "m2" has both ip and mac: give exactly one way to reach it (networkName "localhost", ip, or mac)`,
  ],
  [
    "Machine update: localhost with an ip",
    () => machine.update("", outs.machine, { ...outs.machine, ip: "10.132.181.5" }),
    `${FAIL("Machine")}machine "local" is "localhost" and also has ip: a localhost machine is the DAS host itself, drop one`,
  ],
  [
    "PoolUser create: a user name that would change the URI, a negative uid",
    () =>
      poolUser.create({
        domainXml: d.file,
        serverPool: "cloud",
        name: "Root@x",
        userId: -1,
        groupId: 1001,
      }),
    `${FAIL("PoolUser")}${BAD_USER}; userId -1 must be a whole number from 0 to 4294967294`,
  ],
  [
    "PoolUser update: the same name",
    () => poolUser.update("", outs.poolUser, { ...outs.poolUser, name: "Root@x" }),
    `${FAIL("PoolUser")}${BAD_USER}`,
  ],
  [
    "MachineUser create: an auth method libvirt does not have",
    () =>
      machineUser.create({
        ...seedInputs(d.file).machineUser,
        serverPool: "cloud",
        authMethod: "rsh",
      }),
    `${FAIL("MachineUser")}authMethod "rsh" is not allowed: use one of "ssh", "libssh", "libssh2", "tls", "tcp", "unix", ""`,
  ],
  [
    "MachineUser update: a fractional gid",
    () => machineUser.update("", outs.machineUser, { ...outs.machineUser, groupId: 1.5 }),
    `${FAIL("MachineUser")}groupId 1.5 must be a whole number from 0 to 4294967294`,
  ],
];

describe("create and update validate their inputs as check does", () => {
  test.each(CASES)("%s: INVALID_INPUT, the file's bytes unchanged", async (_, write, message) => {
    const before = readFileSync(d.file);
    const e = await rejection(write());
    expect(isImsError(e, "INVALID_INPUT")).toBe(true);
    expect(e.message).toBe(message);
    expect(readFileSync(d.file)).toEqual(before);
  });
});
