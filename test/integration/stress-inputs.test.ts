import fc from "fast-check";
import { XMLValidator } from "fast-xml-parser";
import { writeFileSync } from "fs";
import { providers } from "../../provider";
import * as machine from "../../provider/resources/machine";
import type { CheckFailure } from "../../provider/resources/rules";
import * as pool from "../../provider/resources/server-pool";
import { fakeNetwork } from "../unit/fake-network";
import { fixture } from "../support/fixtures";
import { tempDomain } from "../support/domain";

// A generated corpus of inputs, valid by construction or arbitrary: every one is either rejected by
// `check` with a message naming the property (and the file untouched), or written, read back as
// the same inputs, and no diff. Nothing in between: no input can break domain.xml.

const ORIGINAL = fixture("domain.xml");
const net = fakeNetwork({}).fx;
let d: ReturnType<typeof tempDomain>;
beforeAll(() => (d = tempDomain(ORIGINAL)));
afterAll(() => d.cleanup());

type Kind = "Virtualization" | "ServerPool" | "PoolUser" | "Machine";

const octet = fc.integer({ min: 0, max: 255 });
const name = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/);
const unixUser = fc.stringMatching(/^[a-z_][a-z0-9_-]{0,12}$/);
const anyText = fc.string({ unit: "binary", maxLength: 24 });
const mac = fc
  .tuple(octet, octet, octet, octet, octet, octet, fc.constantFrom(":", "-"), fc.boolean())
  .map(([a, b, c, e, f, g, sep, upper]) => {
    const s = [a, b, c, e, f, g].map((o) => o.toString(16).padStart(2, "0")).join(sep);
    return upper ? s.toUpperCase() : s;
  });
const ipIn181 = fc.integer({ min: 1, max: 254 }).map((h) => `10.132.181.${h}`);
const ip = fc.tuple(octet, octet, octet, octet).map((o) => o.join("."));
const cidr = fc
  .tuple(octet, octet, octet, octet, fc.integer({ min: 0, max: 32 }))
  .map(([a, b, c, e, p]) => `${a}.${b}.${c}.${e}/${p}`);
const template = fc.constantFrom(
  "qemu#{auth.sep}#{auth.method}://#{user.name}@#{target.host}/system",
  "test:///default",
  "qemu+ssh://#{user.name}@#{target.host}:2222/system?keyfile=/k",
  "xen://#{target.host}/",
  "qemu+ssh://#{user.name}@a@#{target.host}/system",
  "qemu://#{host}/system",
);

const either = <T>(valid: fc.Arbitrary<T>) => fc.oneof(valid, valid, anyText);

const ARGS: Record<Kind, fc.Arbitrary<Record<string, unknown>>> = {
  Virtualization: fc.record({
    name: either(name),
    emulator: fc.constantFrom("kvm", "qemu", "xen", "test", "vmware"),
    emulatorPath: fc.option(either(fc.stringMatching(/^\/[a-z0-9/_-]{1,20}$/)), { nil: undefined }),
    connectionString: fc.option(fc.oneof(template, anyText), { nil: undefined }),
    templateCacheSize: fc.option(fc.integer({ min: -2, max: 10002 }), { nil: undefined }),
  }),
  ServerPool: fc.record({
    virtualization: fc.constant("basev"),
    name: either(name),
    subnet: fc.oneof(cidr, fc.constant("10.132.181.0/24"), anyText),
    portNames: fc.array(either(fc.stringMatching(/^[a-z][a-z0-9]{0,14}$/)), { maxLength: 3 }),
  }),
  PoolUser: fc.record({
    serverPool: fc.constant("base"),
    name: either(unixUser),
    userId: fc.oneof(fc.integer({ min: -1, max: 2 ** 32 }), fc.double()),
    groupId: fc.integer({ min: 0, max: 65535 }),
    authMethod: fc.option(fc.constantFrom("ssh", "tls", "", "rsh", "ssh\u0000"), {
      nil: undefined,
    }),
  }),
  Machine: fc
    .record({
      serverPool: fc.constant("base"),
      name: either(name),
      networkName: fc.option(either(name), { nil: undefined }),
      ip: fc.option(fc.oneof(ipIn181, ip, anyText), { nil: undefined }),
      mac: fc.option(fc.oneof(mac, anyText), { nil: undefined }),
      disksLocation: fc.option(either(fc.stringMatching(/^[a-z/]{1,12}$/)), { nil: undefined }),
      verifyConnection: fc.constant(false),
      // Most cases give one way to reach the machine, as a program would.
      reach: fc.constantFrom("localhost", "ip", "ip", "as generated"),
    })
    .map(({ reach, ...m }) =>
      reach === "localhost"
        ? { ...m, networkName: "localhost", ip: undefined, mac: undefined }
        : reach === "ip"
          ? { ...m, mac: undefined, ip: m.ip ?? "10.132.181.9" }
          : m,
    ),
};

/**
 * The provider operations of a kind; pools and machines get a pretend network, so no probe is
 * ever sent (the DAS has `br0` on 10.132.181.0/24 and no host answers).
 */
function ops(kind: Kind) {
  const p = providers[kind];
  if (kind === "ServerPool") {
    return {
      ...p,
      create: (i: unknown) => pool.create(i as pool.ServerPoolInputs, net),
      read: (id: string, o: unknown) => pool.read(id, o as pool.ServerPoolOutputs, net),
    };
  }
  if (kind === "Machine") {
    return {
      ...p,
      create: (i: unknown) => machine.create(i as machine.MachineInputs, net),
      read: (id: string, o: unknown) => machine.read(id, o as machine.MachineOutputs, net),
    };
  }
  return p;
}

/** The domain every case starts from: a virtualization and a pool named `base` to hang under. */
async function base(): Promise<string> {
  writeFileSync(d.file, ORIGINAL);
  await providers.Virtualization.create({ domainXml: d.file, name: "basev", emulator: "test" });
  await pool.create(
    {
      domainXml: d.file,
      virtualization: "basev",
      name: "base",
      subnet: "10.132.181.0/24",
      portNames: ["br0"],
    },
    net,
  );
  return d.read();
}

/** Only the keys the program gave, without the undefined ones. */
function given(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
}

describe("a generated corpus of inputs", () => {
  let start: string;
  beforeAll(async () => {
    start = await base();
  });

  it.each(Object.keys(ARGS) as Kind[])(
    "%s: rejected in check naming the property, or written and read back with no diff",
    async (kind) => {
      let rejected = 0;
      let written = 0;
      await fc.assert(
        fc.asyncProperty(ARGS[kind], async (generated) => {
          writeFileSync(d.file, start);
          const news = { domainXml: d.file, ...given(generated) };
          const p = ops(kind);
          const checked = (await p.check({}, news)) as {
            inputs: Record<string, unknown>;
            failures: CheckFailure[];
          };
          if (checked.failures.length > 0) {
            rejected++;
            for (const f of checked.failures) {
              // An input of the resource: the one at fault, or the one to set (a machine without a
              // way to reach it is told to set networkName or ip). A secret input's failure is the
              // resource's (property ""), its reason starting with the input's name.
              const property = f.property === "" ? "connectionString" : f.property;
              expect([...Object.keys(generated), "domainXml"]).toContain(property);
              expect(f.reason.includes(property)).toBe(true);
            }
            expect(d.read()).toBe(start);
            return;
          }
          const inputs = checked.inputs;
          let created: { id: string; outs: Record<string, unknown> };
          try {
            created = (await p.create(inputs)) as typeof created;
          } catch (e) {
            // Only what check cannot know without the network or a later state may fail here,
            // and then nothing is written.
            expect((e as { code?: string }).code).toMatch(
              /^(ALREADY_EXISTS|INVALID_INPUT|MAC_NOT_FOUND)$/,
            );
            expect(d.read()).toBe(start);
            return;
          }
          written++;
          expect(XMLValidator.validate(d.read())).toBe(true);
          const back = (await p.read(created.id, created.outs)) as {
            props: Record<string, unknown>;
          };
          expect(p.diff(created.id, back.props, inputs)).toEqual({
            changes: false,
            replaces: [],
            deleteBeforeReplace: false,
            diffs: [],
          });
          await p.delete(created.id, back.props);
          expect(d.read()).toBe(start);
        }),
        { numRuns: 150, seed: 20261126 },
      );
      // The corpus exercises both sides.
      expect(rejected).toBeGreaterThan(10);
      expect(written).toBeGreaterThan(10);
    },
    // About 2-4 s on a quiet machine (every written input is a create and a delete, each with
    // the pause after its write), past Jest's 5 s default on a loaded one.
    60_000,
  );
});
