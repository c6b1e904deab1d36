import type * as pulumi from "@pulumi/pulumi";
import { providers } from "../../provider";

describe("the seam with the engine", () => {
  test("serves the five element kinds and the two DAS lifecycle kinds of the type tokens", () => {
    expect(Object.keys(providers)).toEqual([
      "Virtualization",
      "ServerPool",
      "PoolUser",
      "Machine",
      "MachineUser",
      "Domain",
      "DomainStart",
    ]);
  });

  test.each(Object.keys(providers))(
    "%s's operations fit Pulumi's dynamic ResourceProvider (checked by the compiler)",
    (kind) => {
      const p = providers[kind];
      // diff answers synchronously, which the dynamic provider host awaits like a promise.
      const asPulumi: pulumi.dynamic.ResourceProvider = {
        ...p,
        diff: async (id, olds, news) => p.diff(id, olds, news),
      };
      expect(Object.keys(asPulumi).sort()).toEqual([
        "check",
        "create",
        "delete",
        "diff",
        "read",
        "update",
      ]);
    },
  );
});
