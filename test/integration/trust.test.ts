import fc from "fast-check";
import { existsSync, readdirSync, writeFileSync } from "fs";
import { providers } from "../../provider";
import * as machine from "../../provider/resources/machine";
import * as pool from "../../provider/resources/server-pool";
import { poolUser } from "../../provider/resources/user";
import * as virt from "../../provider/resources/virtualization";
import type { CheckFailure } from "../../provider/resources/rules";
import { fakeNetwork } from "../unit/fake-network";
import { fixture } from "../support/fixtures";
import { rejection, tempDomain } from "../support/domain";
import { SEED, seedInputs, withIms } from "../support/seed";

const ORIGINAL = fixture("domain.xml");
let d: ReturnType<typeof tempDomain>;
beforeEach(() => (d = tempDomain(ORIGINAL)));
afterEach(() => d.cleanup());

const net = fakeNetwork({}).fx;
const seed = () => seedInputs(d.file, { portNames: ["br0"] });
const poolArgs = () => seed().pool;
const machineArgs = (name: string, ip: string) => ({
  domainXml: d.file,
  serverPool: "cloud",
  name,
  ip,
  verifyConnection: false,
});

async function seedPool(): Promise<void> {
  await virt.create(seed().kvm);
  await pool.create(poolArgs(), net);
}

async function failures(
  kind: keyof typeof providers,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<CheckFailure[]> {
  return ((await providers[kind].check(olds, news)) as { failures: CheckFailure[] }).failures;
}

describe("deterministic bytes", () => {
  it("writes the same file whatever order parallel machine creates arrive in", async () => {
    const names = ["m-a", "m-b", "m-c", "m-d", "m-e", "m-f"];
    const results = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(names, { minLength: 6, maxLength: 6 }),
        async (order) => {
          writeFileSync(d.file, ORIGINAL);
          await seedPool();
          await Promise.all(
            order.map((n, i) =>
              // Staggered: some arrive in one batch, some in the next.
              new Promise((r) => setTimeout(r, i % 2)).then(() =>
                machine.create(machineArgs(n, `10.132.181.${10 + names.indexOf(n)}`), net),
              ),
            ),
          );
          results.add(d.read());
        },
      ),
      { numRuns: 12 },
    );
    expect(results.size).toBe(1);
    const [text] = [...results];
    expect(names.map((n) => text.indexOf(`<machines name="${n}">`))).toEqual(
      names.map((n) => text.indexOf(`<machines name="${n}">`)).sort((a, b) => a - b),
    );
  });

  it("places new machines among hand-ordered ones the same way whatever their arrival", async () => {
    await seedPool();
    // By hand, out of name order: zeta before alpha.
    const handOrdered = d
      .read()
      .replace(
        "<user/>",
        '<user/>\n        <machines name="zeta"/>\n        <machines name="alpha"/>',
      );
    const outcomes: string[] = [];
    for (const order of [
      ["beta", "omega"],
      ["omega", "beta"],
    ]) {
      writeFileSync(d.file, handOrdered);
      for (const n of order) await machine.create(machineArgs(n, "10.132.181.40"), net);
      outcomes.push(d.read());
    }
    expect(outcomes[1]).toBe(outcomes[0]);
    const at = (n: string) => outcomes[0].indexOf(`<machines name="${n}">`);
    const hand = (n: string) => outcomes[0].indexOf(`<machines name="${n}"/>`);
    expect([hand("zeta"), hand("alpha"), at("beta"), at("omega")]).toEqual(
      [hand("zeta"), hand("alpha"), at("beta"), at("omega")].sort((a, b) => a - b),
    );
  });
});

describe("xmlDigest", () => {
  it("is the same at create and at a refresh after children were added", async () => {
    const v = await virt.create(seed().kvm);
    const p = await pool.create(poolArgs(), net);
    const m = await machine.create(machineArgs("m1", "10.132.181.10"), net);
    await poolUser.create({ ...seed().poolUser, userId: 1, groupId: 1 });
    const rv = await virt.read(v.id, v.outs);
    const rp = await pool.read(p.id, p.outs, net);
    const rm = await machine.read(m.id, m.outs, net);
    expect(rv.props?.xmlDigest).toBe(v.outs.xmlDigest);
    expect(rp.props?.xmlDigest).toBe(p.outs.xmlDigest);
    expect(rm.props?.xmlDigest).toBe(m.outs.xmlDigest);
  });

  it("changes when an attribute or a machine's own child changes", async () => {
    await seedPool();
    const m = await machine.create(machineArgs("m1", "10.132.181.10"), net);
    writeFileSync(d.file, d.read().replace("10.132.181.10", "10.132.181.11"));
    const rm = await machine.read(m.id, m.outs, net);
    expect(rm.props?.xmlDigest).not.toBe(m.outs.xmlDigest);
  });
});

describe("adopt", () => {
  const existing = () =>
    // As asadmin writes it: the kvm defaults spelled out.
    withIms(ORIGINAL, {
      attributes: {
        "emulator-path": "/usr/bin/kvm",
        "connection-string": "qemu#{auth.sep}#{auth.method}://#{user.name}@#{target.host}/system",
      },
      portNames: ["eth0"],
      user: { name: "cloud", userId: 5, groupId: 5 },
      machines: [{ name: "office", ip: "10.132.181.99" }],
    });

  it("takes elements as they are, records the file's values and writes nothing", async () => {
    writeFileSync(d.file, existing());
    const s = seed();
    const v = await virt.create({ ...s.kvm, adopt: true });
    const p = await pool.create({ ...s.pool, adopt: true }, net);
    const u = await poolUser.create({ ...s.poolUser, adopt: true });
    const m = await machine.create({ ...machineArgs("office", SEED.officeIp), adopt: true }, net);
    expect(d.read()).toBe(existing());
    expect(v.outs).toMatchObject({ restartRequired: false });
    // asadmin's explicit defaults mean what the program means: no drift.
    expect(v.outs.connectionString).toBeUndefined();
    expect(v.outs.emulatorPath).toBeUndefined();
    expect(p.outs).toMatchObject({ portNames: ["eth0"], restartRequired: false });
    expect(u.outs).toMatchObject({ userId: 5, groupId: 5, restartRequired: false });
    expect(m.outs).toMatchObject({ ip: "10.132.181.99", restartRequired: false });
    // The next preview shows the differences as updates, which up then applies.
    expect(pool.diff(p.id, { ...p.outs }, poolArgs())).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
      diffs: ["portNames", "adopt"],
    });
    await pool.update(p.id, p.outs, poolArgs(), net);
    await virt.update(v.id, v.outs, s.kvm);
    expect(d.read()).toBe(existing().replace('port-name="eth0"', 'port-name="br0"'));
  });
});

describe("crash recovery", () => {
  const URN = "urn:pulumi:dev::p::pulumi-nodejs:dynamic/glassfish-ims:Machine::m1";
  const OTHER = "urn:pulumi:other::q::pulumi-nodejs:dynamic/glassfish-ims:Machine::m1";
  /** A machine's inputs with the URN the SDK or the plugin adds (`__urn`). */
  const claimed = (name: string, ip: string, urn: string | undefined) =>
    Object.assign(machineArgs(name, ip), { __urn: urn });
  const journal = () => `${d.file}.ims-journal`;
  const taken = (file: string) =>
    `glassfish-ims ALREADY_EXISTS: <machines name="m1"> (in <server-pool name="cloud">) already exists in ${file}: set adopt: true to manage it, or choose another name`;

  it("takes an element that this resource's own earlier create wrote as its result", async () => {
    await seedPool();
    const first = await machine.create(claimed("m1", "10.132.181.10", URN), net);
    const written = d.read();
    // The engine never recorded the first create (a kill): the next up creates again.
    const again = await machine.create(claimed("m1", "10.132.181.10", URN), net);
    expect(d.read()).toBe(written);
    expect(again.outs.xmlDigest).toBe(first.outs.xmlDigest);
    const err = await rejection(machine.create(claimed("m1", "10.132.181.11", URN), net));
    expect(err.code).toBe("ALREADY_EXISTS");
    expect(d.read()).toBe(written);
  });

  it("never takes an identical element it did not write: hand-written, or another resource's", async () => {
    await seedPool();
    await machine.create(claimed("m1", "10.132.181.10", URN), net);
    const written = d.read();
    for (const other of [OTHER, undefined]) {
      const args = claimed("m1", "10.132.181.10", other);
      const err = await rejection(machine.create(args, net));
      expect(err.message).toBe(taken(d.file));
      // And preview says so too.
      expect(await failures("Machine", {}, args)).toEqual([
        { property: "name", reason: taken(d.file) },
      ]);
    }
    expect(d.read()).toBe(written);
    // The refused creates left the first one's claim as it was: it may still resume.
    await machine.create(claimed("m1", "10.132.181.10", URN), net);
    expect(readdirSync(journal())).toHaveLength(1);
  });

  it("refuses a hand-written element that is exactly what the program writes, at preview and up", async () => {
    await seedPool();
    const hand = d
      .read()
      .replace(
        "</server-pool>",
        '  <machines name="m1"><ip-address>10.132.181.10</ip-address></machines>\n</server-pool>',
      );
    writeFileSync(d.file, hand);
    const args = { ...claimed("m1", "10.132.181.10", URN), parentInProgram: true };
    expect(await failures("Machine", {}, args)).toEqual([
      { property: "name", reason: taken(d.file) },
    ]);
    expect((await rejection(machine.create(args, net))).message).toBe(taken(d.file));
    expect(d.read()).toBe(hand);
    expect(existsSync(journal())).toBe(false);
  });

  it("gives two resources of one program with one IMS name one element, and the other ALREADY_EXISTS", async () => {
    await seedPool();
    const results = await Promise.allSettled(
      [URN, OTHER].map((urn) => machine.create(claimed("m1", "10.132.181.10", urn), net)),
    );
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((refused.reason as { code?: string }).code).toBe("ALREADY_EXISTS");
    expect(d.read().match(/<machines name="m1"/g)).toHaveLength(1);
  });

  it("claims nothing for a create that fails, and clears the claim when the element is deleted", async () => {
    await seedPool();
    const bad = claimed("m1", "10.9.9.9", URN);
    expect((await rejection(machine.create(bad, net))).code).toBe("INVALID_INPUT");
    expect(existsSync(journal())).toBe(false);
    const m = await machine.create(claimed("m1", "10.132.181.10", URN), net);
    expect(readdirSync(journal())).toHaveLength(1);
    await machine.remove(m.id, m.outs);
    expect(existsSync(journal())).toBe(false);
  });
});

describe("two machines that GlassFish would resolve as one", () => {
  const urn = (name: string) =>
    `urn:pulumi:dev::p::pulumi-nodejs:dynamic/glassfish-ims:Machine::${name}`;

  it("refuses one fixed ip given to two machines of one pool, naming both resources", async () => {
    await seedPool();
    const a = { ...machineArgs("a", "10.132.181.20"), __urn: urn("a"), parentInProgram: true };
    const b = { ...machineArgs("b", "10.132.181.20"), __urn: urn("b"), parentInProgram: true };
    expect(await failures("Machine", {}, a)).toEqual([]);
    expect(await failures("Machine", {}, b)).toEqual([
      {
        property: "ip",
        reason:
          'ip "10.132.181.20" of machine resource "b" is also the ip of machine resource "a" in server pool "cloud": GlassFish would reach one host for both; give each machine its own ip',
      },
    ]);
    // The same resource checked again (a replacement's second check) is no duplicate of itself.
    expect(await failures("Machine", {}, a)).toEqual([]);
  });

  it("refuses one MAC on two machines however it is spelled", async () => {
    await seedPool();
    const mac = (name: string, m: string) => ({
      domainXml: d.file,
      serverPool: "cloud",
      name,
      mac: m,
      verifyConnection: false,
      parentInProgram: true,
      __urn: urn(name),
    });
    expect(await failures("Machine", {}, mac("m-a", "02:00:00:00:00:aa"))).toEqual([]);
    expect(await failures("Machine", {}, mac("m-b", "02-00-00-00-00-AA"))).toEqual([
      {
        property: "mac",
        reason:
          'mac "02:00:00:00:00:aa" of machine resource "m-b" is also the mac of machine resource "m-a": one MAC is one network card, so discovery would find one host for both; give each machine its own mac',
      },
    ]);
  });
});

describe("preview reads the file", () => {
  const create = {};
  it("reports a missing, malformed or non-domain file on domainXml", async () => {
    const args = { domainXml: `${d.dir}/nope/domain.xml`, name: "kvm", emulator: "kvm" };
    expect(await failures("Virtualization", create, args)).toEqual([
      {
        property: "domainXml",
        reason: `glassfish-ims FILE_NOT_FOUND: ${d.dir}/nope/domain.xml does not exist: give the path of the domain's config/domain.xml`,
      },
    ]);
    writeFileSync(d.file, "<domain><oops></domain>");
    const [malformed] = await failures("Virtualization", create, { ...args, domainXml: d.file });
    expect(malformed.property).toBe("domainXml");
    expect(malformed.reason).toMatch(/^glassfish-ims XML_MALFORMED: /);
    writeFileSync(d.file, "<resources/>");
    expect(await failures("Virtualization", create, { ...args, domainXml: d.file })).toEqual([
      {
        property: "domainXml",
        reason: `glassfish-ims NOT_A_DOMAIN: ${d.file} has root element <resources>, not <domain>: is this a GlassFish domain.xml?`,
      },
    ]);
  });

  it("reports a machine name already taken however the file spells it", async () => {
    await seedPool();
    await machine.create(machineArgs("m1", "10.132.181.11"), net);
    const taken = [
      {
        property: "name",
        reason: `glassfish-ims ALREADY_EXISTS: <machines name="m1"> (in <server-pool name="cloud">) already exists in ${d.file}: set adopt: true to manage it, or choose another name`,
      },
    ];
    const args = { ...machineArgs("m1", "10.132.181.12"), parentInProgram: true };
    expect(await failures("Machine", create, args)).toEqual(taken);
    // The quick search for the name in the text must not miss other spellings of it.
    const written = d.read();
    writeFileSync(d.file, written.replace('name="m1"', "name='m1'"));
    expect(await failures("Machine", create, args)).toEqual(taken);
    writeFileSync(d.file, written.replace('name="m1"', 'name="&#109;1"'));
    expect(await failures("Machine", create, args)).toEqual(taken);
    expect(await failures("Machine", create, { ...args, name: "m2" })).toEqual([]);
  });

  it("reports a parent given by name that is not there, and a name already taken", async () => {
    expect(await failures("ServerPool", create, poolArgs())).toEqual([
      {
        property: "virtualization",
        reason: `glassfish-ims PARENT_NOT_FOUND: virtualization "kvm" is not in ${d.file}: create it first (a glassfish-ims Virtualization resource, or asadmin create-ims-config-libvirt kvm)`,
      },
    ]);
    // A parent from the program may be created by the same deployment.
    expect(await failures("ServerPool", create, { ...poolArgs(), parentInProgram: true })).toEqual(
      [],
    );
    await seedPool();
    expect(await failures("ServerPool", create, { ...poolArgs(), subnet: "10.0.0.0/24" })).toEqual([
      {
        property: "name",
        reason: `glassfish-ims ALREADY_EXISTS: <server-pool name="cloud"> (in <libvirt-virtualization name="kvm">) already exists in ${d.file}: set adopt: true to manage it, or choose another name`,
      },
    ]);
    expect(
      await failures("Machine", create, {
        ...machineArgs("m1", "10.9.9.9"),
        parentInProgram: true,
      }),
    ).toEqual([
      {
        property: "ip",
        reason: `glassfish-ims INVALID_INPUT: ip "10.9.9.9" of machine "m1" is not a host address of server pool "cloud" (sub-net 10.132.181.0/24 in ${d.file})`,
      },
    ]);
  });

  it("reports a missing or broken file for a resource without changes, reading it once", async () => {
    const gone = { domainXml: `${d.dir}/gone.xml`, name: "kvm", emulator: "kvm" };
    const missing = [
      {
        property: "domainXml",
        reason: `glassfish-ims FILE_NOT_FOUND: ${d.dir}/gone.xml does not exist: give the path of the domain's config/domain.xml`,
      },
    ];
    expect(await failures("Virtualization", gone, gone)).toEqual(missing);
    const broken = `${d.dir}/broken.xml`;
    writeFileSync(broken, "<domain><oops></domain>");
    const args = { domainXml: broken, name: "kvm", emulator: "kvm" };
    const [malformed] = await failures("Virtualization", args, args);
    expect(malformed.property).toBe("domainXml");
    expect(malformed.reason).toMatch(/^glassfish-ims XML_MALFORMED: /);
    // One read per file per process: repairing it now is seen by the next process (deployment).
    writeFileSync(broken, ORIGINAL);
    expect(await failures("Virtualization", args, args)).toEqual([malformed]);
  });

  it("does not call the element of a delete-first replacement a conflict", async () => {
    await seedPool();
    const news = { ...poolArgs(), subnet: "10.132.182.0/24" };
    const olds = { ...news, virtualization: "old" };
    // A fresh check of the same inputs finds the name taken...
    expect(await failures("ServerPool", {}, news)).toHaveLength(1);
    expect(await failures("ServerPool", olds, news)).toEqual([]);
    // ... but not the engine's second check of the replacement, made without olds...
    expect(await failures("ServerPool", {}, news)).toEqual([]);
    // ... and only that one.
    expect(await failures("ServerPool", {}, news)).toHaveLength(1);
  });
});

describe("parents given two ways", () => {
  it("are one identity: switching a pool resource to its name replaces nothing", () => {
    const asResource = { ...machineArgs("m1", "10.132.181.10"), virtualization: "kvm" };
    const byName = machineArgs("m1", "10.132.181.10");
    for (const [a, b] of [
      [asResource, byName],
      [byName, asResource],
    ]) {
      expect(machine.diff("id", a, b)).toEqual({
        changes: false,
        replaces: [],
        deleteBeforeReplace: false,
        diffs: [],
      });
    }
    expect(machine.diff("id", asResource, { ...asResource, virtualization: "xen" })).toEqual({
      changes: true,
      replaces: ["virtualization"],
      deleteBeforeReplace: true,
      diffs: ["virtualization"],
    });
  });
});

describe("refresh", () => {
  it("writes no file when no MAC machine moved: no domain.xml, no cache, no lock file", async () => {
    const { statSync, readdirSync, readFileSync } = await import("fs");
    const { ipCachePath } = await import("../../provider/store/ip-cache");
    await seedPool();
    const mac = "02:00:00:00:00:42";
    const lan = fakeNetwork({ [mac]: "10.132.181.42" }).fx;
    const m = await machine.create(
      { domainXml: d.file, serverPool: "cloud", name: "m1", mac, verifyConnection: false },
      lan,
    );
    const cache = ipCachePath(d.file, "cloud");
    const snapshot = () => ({
      domain: statSync(d.file).mtimeMs,
      domainIno: statSync(d.file).ino,
      cache: statSync(cache).mtimeMs,
      cacheIno: statSync(cache).ino,
      dir: readdirSync(require("path").dirname(cache)).sort(),
      configDir: readdirSync(require("path").dirname(d.file)).sort(),
    });
    const before = snapshot();
    await new Promise((r) => setTimeout(r, 20));
    const again = await machine.read(m.id, m.outs, lan);
    expect(again.props?.ipAddress).toBe("10.132.181.42");
    expect(snapshot()).toEqual(before);
    expect(readFileSync(cache, "utf8")).toBe("m1=10.132.181.42\n");
  });
});
