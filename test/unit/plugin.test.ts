import type { ResourceOperations } from "../../provider/engine";
import { PARENTS, PluginProvider, kindOf } from "../../provider/plugin/provider";
import { typeFromUrn } from "../../provider/plugin/server";
import {
  detailOf,
  fromWire,
  nameFromUrn,
  SECRET_SIG,
  SIG_KEY,
  toWire,
  UNKNOWN_VALUE,
} from "../../provider/plugin/wire";
import { RESOURCES } from "../../provider/schema";
import { providers } from "../../provider";

const secret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });
const URN = "urn:pulumi:dev::seed::glassfish-ims:index:ServerPool::cloud";

describe("the plugin's wire values", () => {
  test("unwraps secrets at any depth and names the top-level properties that held one", () => {
    expect(
      fromWire({
        connectionString: secret("qemu+ssh://u@h/system?password=x"),
        portNames: ["br0", secret("eth0")],
        name: "kvm",
        gone: null,
      }),
    ).toEqual({
      values: {
        connectionString: "qemu+ssh://u@h/system?password=x",
        portNames: ["br0", "eth0"],
        name: "kvm",
      },
      secrets: new Set(["connectionString", "portNames"]),
    });
  });

  test("keeps the preview's unknown value as the sentinel the resource rules recognise", () => {
    expect(fromWire({ name: UNKNOWN_VALUE }).values).toEqual({ name: UNKNOWN_VALUE });
  });

  test("wraps the given properties as secrets and drops undefined ones", () => {
    expect(toWire({ a: 1, b: "s", c: undefined }, ["b"])).toEqual({ a: 1, b: secret("s") });
  });

  test("takes the resource name from the URN, and refuses what is not a URN", () => {
    expect(nameFromUrn(URN)).toBe("cloud");
    expect(() => nameFromUrn("cloud")).toThrow(
      'resource URN "cloud" must be urn:pulumi:<stack>::<project>::<type>::<name>',
    );
    expect(typeFromUrn(URN)).toBe("glassfish-ims:index:ServerPool");
  });

  test("details every changed property as update, or replace for the diff's replace keys", () => {
    expect(detailOf(["name", "subnet"], ["name", "domainXml"])).toEqual({
      name: "replace",
      subnet: "update",
      domainXml: "replace",
    });
  });
});

describe("the plugin's resource calls", () => {
  /** Operations that record what they were given and answer like the resource code. */
  function fake() {
    const calls: Array<[string, ...unknown[]]> = [];
    const ops: ResourceOperations = {
      check: async (olds, news) => {
        calls.push(["check", olds, news]);
        const n = news as Record<string, unknown>;
        return {
          inputs: n,
          failures:
            n.domainXml === undefined
              ? [{ property: "domainXml", reason: "domainXml is required" }]
              : [],
        };
      },
      diff: (id, olds, news) => {
        calls.push(["diff", id, olds, news]);
        return { changes: true, replaces: ["name"], deleteBeforeReplace: false, diffs: ["name"] };
      },
      create: async (inputs) => {
        calls.push(["create", inputs]);
        return { id: "f#x/y", outs: { ...(inputs as object), effectiveConnectionString: "t" } };
      },
      read: async (id, props) => {
        calls.push(["read", id, props]);
        return {};
      },
      update: async (id, olds, news) => {
        calls.push(["update", id, olds, news]);
        return { outs: news as object };
      },
      delete: async (id, props) => {
        calls.push(["delete", id, props]);
      },
    };
    const all = Object.fromEntries(RESOURCES.map((r) => [r.type, ops]));
    return { calls, plugin: new PluginProvider(all) };
  }

  test("serves exactly the schema's type tokens", () => {
    expect(kindOf("glassfish-ims:index:Machine")).toBe("Machine");
    expect(() => kindOf("pulumi-nodejs:dynamic/glassfish-ims:Machine")).toThrow(
      'resource type "pulumi-nodejs:dynamic/glassfish-ims:Machine" is not served by this plugin: use one of glassfish-ims:index:Virtualization, glassfish-ims:index:ServerPool, glassfish-ims:index:PoolUser, glassfish-ims:index:Machine, glassfish-ims:index:MachineUser',
    );
  });

  test("names each kind's parent by an input that replaces, in its field table", () => {
    for (const [kind, parent] of Object.entries(PARENTS)) {
      const doc = RESOURCES.find((r) => r.type === kind);
      expect(doc?.fields[parent.property]?.change).toBe("replace");
      expect(RESOURCES.map((r) => r.type)).toContain(parent.kind);
    }
  });

  test("defaults name to the resource name and keeps a secret input secret", async () => {
    const { calls, plugin } = fake();
    const r = await plugin.check(
      "glassfish-ims:index:Virtualization",
      "urn:pulumi:dev::p::glassfish-ims:index:Virtualization::kvm",
      "",
      undefined,
      { domainXml: "/d/domain.xml", connectionString: secret("test:///default") },
    );
    const urn = "urn:pulumi:dev::p::glassfish-ims:index:Virtualization::kvm";
    // The URN goes along as __urn: Create gets it for the create journal.
    expect(calls[0][2]).toEqual({
      domainXml: "/d/domain.xml",
      connectionString: "test:///default",
      name: "kvm",
      __urn: urn,
    });
    expect(r).toEqual({
      inputs: {
        domainXml: "/d/domain.xml",
        connectionString: secret("test:///default"),
        name: "kvm",
        __urn: urn,
      },
      failures: [],
    });
  });

  test("says why domainXml is required when the parent is given by name", async () => {
    const { plugin } = fake();
    const r = await plugin.check(
      "glassfish-ims:index:ServerPool",
      URN,
      "cloud",
      {},
      { virtualization: "kvm" },
    );
    expect(r.failures).toEqual([
      {
        property: "domainXml",
        reason:
          'domainXml is required: the provider plugin cannot inherit it from virtualization "kvm" given by name; set domainXml to the parent\'s (in YAML: domainXml: ${<parent>.domainXml})',
      },
    ]);
  });

  test("lets a child's preview through when its parent was checked earlier in the deployment", async () => {
    const { calls, plugin } = fake();
    const pool = { domainXml: "/d/domain.xml", virtualization: "kvm" };
    await plugin.check("glassfish-ims:index:ServerPool", URN, "cloud", {}, pool);
    await plugin.check(
      "glassfish-ims:index:Virtualization",
      "urn:pulumi:dev::p::glassfish-ims:index:Virtualization::kvm",
      "kvm",
      {},
      { domainXml: "/d/./domain.xml" },
    );
    await plugin.check("glassfish-ims:index:ServerPool", URN, "cloud", {}, pool);
    expect(calls.map((c) => (c[2] as Record<string, unknown>).parentInProgram)).toEqual([
      undefined,
      undefined,
      true,
    ]);
  });

  test("marks the kind's secret outputs secret, derived ones included", async () => {
    const { plugin } = fake();
    const r = await plugin.create("glassfish-ims:index:Virtualization", { name: "kvm" });
    expect(r).toEqual({
      id: "f#x/y",
      properties: { name: "kvm", effectiveConnectionString: secret("t") },
    });
  });

  test("answers a read of an element that is gone with no ID (the resource leaves the state)", async () => {
    const { calls, plugin } = fake();
    expect(
      await plugin.read(
        "glassfish-ims:index:Machine",
        "/d/domain.xml#machines/m",
        undefined,
        undefined,
      ),
    ).toEqual({});
    expect(calls).toEqual([["read", "/d/domain.xml#machines/m", {}]]);
  });

  test("answers diff with the resource's own changed keys, not keys it derives again", () => {
    const { calls, plugin } = fake();
    // The inputs differ in more than the fake resource says: the plugin reports what it says.
    const olds = { domainXml: "/d/domain.xml", name: "a", subnet: "10.0.0.0/24" };
    const news = { domainXml: "/d/domain.xml", name: "b", subnet: "10.0.1.0/24" };
    expect(plugin.diff("glassfish-ims:index:ServerPool", "f#x/y", olds, news)).toEqual({
      changes: true,
      replaces: ["name"],
      deleteBeforeReplace: false,
      diffs: ["name"],
      detailed: { name: "replace" },
    });
    expect(calls).toEqual([["diff", "f#x/y", olds, news]]);
  });

  test("passes the preview's unknowns through check and diff of the real resource code", async () => {
    const plugin = new PluginProvider(providers);
    const urn = "urn:pulumi:dev::p::glassfish-ims:index:Machine::m";
    const news = { domainXml: UNKNOWN_VALUE, serverPool: UNKNOWN_VALUE, ip: "10.0.0.5" };
    const checked = await plugin.check("glassfish-ims:index:Machine", urn, "m", undefined, news);
    expect(checked).toEqual({ inputs: { ...news, name: "m", __urn: urn }, failures: [] });
    const olds = { domainXml: "/d/domain.xml", serverPool: "cloud", name: "m", ip: "10.0.0.5" };
    const d = plugin.diff(
      "glassfish-ims:index:Machine",
      "/d/domain.xml#machines/m",
      olds,
      checked.inputs,
    );
    expect(d).toMatchObject({
      changes: true,
      replaces: ["domainXml", "serverPool"],
      detailed: { domainXml: "replace", serverPool: "replace" },
    });
  });
});
