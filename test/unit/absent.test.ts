import { internalKeys, stateKeys, withNulls, withoutNulls } from "../../provider/resources/absent";
import { diff as machineDiff, SPEC as MACHINE } from "../../provider/resources/machine";
import { SPEC as SERVER_POOL } from "../../provider/resources/server-pool";
import { machineUser, poolUser } from "../../provider/resources/user";

type Diff = typeof machineDiff;

describe("what the state records for a value it has no value for", () => {
  it("lists a machine's declared outputs and stored inputs, not its connection or internal inputs", () => {
    const keys = stateKeys(MACHINE);
    expect(keys).toEqual(
      expect.arrayContaining(["virtualization", "networkName", "discoveredVia", "hostname"]),
    );
    for (const k of ["connection", "poolSubnet", "parentInProgram"]) expect(keys).not.toContain(k);
  });

  it("names the internal inputs check alone takes", () => {
    expect(internalKeys(MACHINE).sort()).toEqual(["parentInProgram", "poolSubnet"]);
    expect(internalKeys(SERVER_POOL)).toEqual(["parentInProgram"]);
  });

  it("records null for each missing or undefined key, and the code sees those as absent", () => {
    const outs = { name: "local", resolvedBy: "localhost", hostname: undefined };
    const state = withNulls(outs, ["name", "hostname", "discoveredVia"]);
    expect(state).toEqual({
      name: "local",
      resolvedBy: "localhost",
      hostname: null,
      discoveredVia: null,
    });
    expect(withoutNulls(state)).toEqual({ name: "local", resolvedBy: "localhost" });
    expect(withoutNulls(undefined)).toBeUndefined();
  });
});

describe("a diff against a state that records null for no value", () => {
  const file = "/d/domain.xml";
  // Given by name at create, the pool's virtualization was unknown: the state holds null for it.
  // Given as the resource now, the SDK passes it: a chain key one side lacks, so no change.
  const cases: Array<[string, Diff, Record<string, unknown>, Record<string, unknown>]> = [
    [
      "Machine",
      machineDiff,
      { domainXml: file, serverPool: "cloud", name: "m", networkName: "localhost" },
      { virtualization: "kvm" },
    ],
    [
      "PoolUser",
      poolUser.diff,
      { domainXml: file, serverPool: "cloud", name: "u" },
      { virtualization: "kvm" },
    ],
    [
      "MachineUser",
      machineUser.diff,
      { domainXml: file, machine: "m", name: "u" },
      { serverPool: "cloud", virtualization: "kvm" },
    ],
  ];

  it.each(cases)("%s: an ancestor recorded as null is no change", (_kind, diff, inputs, chain) => {
    const ancestors = Object.fromEntries(Object.keys(chain).map((k) => [k, null]));
    const olds = { ...inputs, ...ancestors, restartRequired: false, xmlDigest: "0123" };
    expect(diff("id", olds, { ...inputs, ...chain })).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
      diffs: [],
    });
  });

  it("counts a value given where the state has null as changed, and names only that key", () => {
    const olds = { domainXml: file, serverPool: "cloud", name: "m", ip: "10.0.0.5", mac: null };
    const news = { ...olds, virtualization: "kvm", mac: "00:1c:c4:9f:e9:3b" };
    expect(machineDiff("id", olds, news)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
      diffs: ["mac"],
    });
  });
});
