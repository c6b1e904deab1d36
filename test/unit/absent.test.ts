import { internalKeys, stateKeys, withNulls, withoutNulls } from "../../provider/resources/absent";
import { SPEC as MACHINE } from "../../provider/resources/machine";
import { SPEC as SERVER_POOL } from "../../provider/resources/server-pool";

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
