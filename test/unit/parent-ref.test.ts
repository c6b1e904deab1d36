import type { ResourceOperations } from "../../provider/engine";
import { importedInputs, parentsByName } from "../../provider/plugin/parent-ref";
import { PluginProvider } from "../../provider/plugin/provider";
import { RESOURCES } from "../../provider/schema";
import { UNKNOWN } from "../../provider/resources/rules";

const FILE = "/d/domain.xml";

describe("parents by their IDs, for pulumi import", () => {
  it("names each ancestor of an imported resource by its ID and drops a name the resource name gives", () => {
    expect(
      importedInputs(
        "MachineUser",
        {
          domainXml: FILE,
          name: "jdoe",
          machine: "local",
          serverPool: "cloud",
          virtualization: "kvm",
          userId: 1000,
        },
        "local-user",
      ),
    ).toEqual({
      domainXml: FILE,
      name: "jdoe",
      machine: `${FILE}#machines/local`,
      serverPool: `${FILE}#server-pool/cloud`,
      virtualization: `${FILE}#virtualization/kvm`,
      userId: 1000,
    });
    expect(
      importedInputs(
        "ServerPool",
        { domainXml: FILE, name: "cloud", virtualization: "kvm" },
        "cloud",
      ),
    ).toEqual({ domainXml: FILE, virtualization: `${FILE}#virtualization/kvm` });
    // A Virtualization has no parent; its name stays when the resource is named otherwise.
    expect(importedInputs("Virtualization", { domainXml: FILE, name: "kvm" }, "v")).toEqual({
      domainXml: FILE,
      name: "kvm",
    });
  });

  it("takes a parent's ID as its IMS name, in the same file however it is spelled", () => {
    expect(
      parentsByName("Machine", {
        domainXml: "/d/./domain.xml",
        serverPool: `${FILE}#server-pool/cloud`,
        virtualization: "kvm",
      }),
    ).toEqual({
      inputs: { domainXml: "/d/./domain.xml", serverPool: "cloud", virtualization: "kvm" },
      failures: [],
    });
    // Unknown at preview: left for the resource rules, which pass it.
    expect(parentsByName("Machine", { domainXml: UNKNOWN, serverPool: UNKNOWN })).toEqual({
      inputs: { domainXml: UNKNOWN, serverPool: UNKNOWN },
      failures: [],
    });
  });

  it("refuses the ID of another kind, of a user, of another file, and a # that is no ID", () => {
    const failures = (serverPool: string) =>
      parentsByName("Machine", { domainXml: FILE, serverPool }).failures.map((f) => f.reason);
    const allowed =
      "give a ServerPool's ID (<path of domain.xml>#server-pool/<name>) or its IMS name";
    expect(failures(`${FILE}#machines/local`)).toEqual([
      `serverPool "${FILE}#machines/local" is the ID of a machines element: ${allowed}`,
    ]);
    expect(failures(`${FILE}#server-pool/cloud/user`)).toEqual([
      `serverPool "${FILE}#server-pool/cloud/user" is the ID of the user of a server-pool element: ${allowed}`,
    ]);
    expect(failures("/e/domain.xml#server-pool/cloud")).toEqual([
      `serverPool "/e/domain.xml#server-pool/cloud" names an element of /e/domain.xml, not of domainXml ${FILE}: ${allowed}`,
    ]);
    expect(failures("cloud#1")).toEqual([`serverPool "cloud#1" is not a resource ID: ${allowed}`]);
  });

  it("gives the resource code the parent's name at check, and reports a bad ID once", async () => {
    const seen: Array<Record<string, unknown>> = [];
    const ops = {
      check: async (_olds: unknown, news: unknown) => {
        const n = news as Record<string, unknown>;
        seen.push(n);
        // As the name rule would: an ID is no IMS name.
        const bad = typeof n.serverPool === "string" && n.serverPool.includes("#");
        return {
          inputs: n,
          failures: bad ? [{ property: "serverPool", reason: "not an IMS name" }] : [],
        };
      },
    } as unknown as ResourceOperations;
    const plugin = new PluginProvider(Object.fromEntries(RESOURCES.map((r) => [r.type, ops])));
    const urn = "urn:pulumi:dev::p::glassfish-ims:index:Machine::local";
    const ok = await plugin.check("glassfish-ims:index:Machine", urn, "local", undefined, {
      domainXml: FILE,
      serverPool: `${FILE}#server-pool/cloud`,
    });
    expect(ok.failures).toEqual([]);
    expect(seen[0].serverPool).toBe("cloud");
    expect(ok.inputs.serverPool).toBe("cloud");
    const bad = await plugin.check("glassfish-ims:index:Machine", urn, "local", undefined, {
      domainXml: FILE,
      serverPool: `${FILE}#machines/cloud`,
    });
    expect(bad.failures.map((f) => f.property)).toEqual(["serverPool"]);
    expect(bad.failures[0].reason).toContain("is the ID of a machines element");
  });
});
