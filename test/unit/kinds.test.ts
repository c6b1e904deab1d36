import fc from "fast-check";
import { providers } from "../../provider";
import { PARENTS } from "../../provider/plugin/provider";
import { PARENT_INPUTS } from "../../provider/plugin/parent-ref";
import { idOf, isElementId, parseId, resourceId } from "../../provider/resources/ids";
import { ancestorsOf, KINDS, kindNamed } from "../../provider/resources/kinds";
import { RESOURCES } from "../../provider/schema";
import { PROVIDERS } from "../../sdk/shim";

const FILE = "/srv/glassfish/domains/domain1/config/domain.xml";

// The IDs in users' state: the registry must keep building exactly these bytes.
const IDS: Record<string, { name?: string; id: string }> = {
  Virtualization: { name: "kvm", id: `${FILE}#virtualization/kvm` },
  ServerPool: { name: "cloud", id: `${FILE}#server-pool/cloud` },
  PoolUser: { name: "cloud", id: `${FILE}#server-pool/cloud/user` },
  Machine: { name: "cloud-1", id: `${FILE}#machines/cloud-1` },
  MachineUser: { name: "local", id: `${FILE}#machines/local/user` },
  Domain: { id: FILE },
  DomainStart: { id: `${FILE}#start` },
};

describe("the registry of the kinds", () => {
  test("lists every kind once, and the providers, the schema and the SDK shims follow it", () => {
    const types = KINDS.map((k) => k.type);
    expect(types).toEqual(Object.keys(IDS));
    expect(Object.keys(providers)).toEqual(types);
    expect(RESOURCES.map((r) => r.type)).toEqual(types);
    expect(Object.keys(PROVIDERS)).toEqual(types);
  });

  test.each(KINDS.map((k) => [k.type, k] as const))(
    "builds %s's ID exactly as the state has it, and parses it back",
    (type, k) => {
      const { name, id } = IDS[type];
      expect(resourceId(k.id, FILE, name)).toBe(id);
      if (isElementId(k.id)) {
        expect(parseId(id)).toEqual({
          domainXml: FILE,
          kind: k.id.element,
          name,
          user: k.id.user === true,
        });
        // The inputs name the element with the input the form says.
        expect(k.spec.fields[k.id.by]).toBeDefined();
        expect(idOf(k.id, { domainXml: FILE, [k.id.by]: name })).toBe(id);
      } else {
        // The kinds of the whole file are never a parent: their IDs are not element IDs.
        expect(() => parseId(id)).toThrow(/must be <path of domain.xml>#/);
        expect(idOf(k.id, { domainXml: FILE })).toBe(id);
      }
    },
  );

  test("parses every element ID it builds back to its parts, for any path and IMS name", () => {
    const name = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/);
    const file = fc.string({ minLength: 1, maxLength: 30 });
    const element = fc.constantFrom(...KINDS.filter((k) => isElementId(k.id)));
    fc.assert(
      fc.property(file, name, element, (f, n, k) => {
        if (!isElementId(k.id)) return;
        expect(parseId(resourceId(k.id, f, n))).toEqual({
          domainXml: f,
          kind: k.id.element,
          name: n,
          user: k.id.user === true,
        });
      }),
    );
  });

  test("links each kind to a registered parent through an input of its field table", () => {
    for (const k of KINDS) {
      if (!k.parent) continue;
      expect(kindNamed(k.parent.kind)).toBeDefined();
      expect(k.spec.fields[k.parent.property]).toBeDefined();
      // Every ancestor is an input too (the SDK passes them when the parent is a resource).
      for (const a of ancestorsOf(k.type)) expect(k.spec.fields[a.property]).toBeDefined();
    }
  });

  test("gives the plugin each kind's parent and ancestor chain from the declarations", () => {
    expect(PARENTS).toEqual({
      ServerPool: { kind: "Virtualization", property: "virtualization" },
      PoolUser: { kind: "ServerPool", property: "serverPool" },
      Machine: { kind: "ServerPool", property: "serverPool" },
      MachineUser: { kind: "Machine", property: "machine" },
    });
    const chain = (type: string) => PARENT_INPUTS[type].map((p) => [p.property, p.kind, p.label]);
    expect(chain("MachineUser")).toEqual([
      ["machine", "machines", "a Machine"],
      ["serverPool", "server-pool", "a ServerPool"],
      ["virtualization", "virtualization", "a Virtualization"],
    ]);
    expect(chain("PoolUser")).toEqual([
      ["serverPool", "server-pool", "a ServerPool"],
      ["virtualization", "virtualization", "a Virtualization"],
    ]);
    expect(chain("Machine")).toEqual(chain("PoolUser"));
    expect(chain("ServerPool")).toEqual([["virtualization", "virtualization", "a Virtualization"]]);
    expect(Object.keys(PARENT_INPUTS)).toEqual(Object.keys(PARENTS));
  });
});
