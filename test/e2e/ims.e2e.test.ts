import { XMLParser } from "fast-xml-parser";
import { existsSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { seedElements, seedSpec, withIms } from "../support/seed";
import { opsOf } from "./harness";
import { BASE, clone, ORIGINAL, setup, type Spec } from "./ims-setup";

jest.setTimeout(300_000);

/** The IMS part of a domain.xml, parsed by fast-xml-parser (independent of the provider's parser). */
function ims(text: string): Record<string, unknown> {
  const parsed = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@",
    isArray: (name) => ["libvirt-virtualization", "server-pool", "machines"].includes(name),
  }).parse(text);
  return parsed.domain.virtualizations;
}

/** One `<libvirt-virtualization>` of the file, by name, as fast-xml-parser sees it. */
function virtualization(text: string, name: string): Record<string, unknown> {
  const all = ims(text)["libvirt-virtualization"] as Array<Record<string, unknown>>;
  const found = all.find((v) => v["@name"] === name);
  if (!found) throw new Error(`no libvirt-virtualization ${name}`);
  return found;
}

describe("pools, machines and users through the real pulumi CLI", () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => (t = setup()));
  afterEach(() => t.cleanup());

  it("creates, shows no changes, repairs drift, updates in place, replaces, destroys to the original bytes", async () => {
    await t.start(BASE);
    const planned = await t.project.preview();
    expect(opsOf(planned, "ServerPool")).toEqual(["create"]);
    expect(opsOf(planned, "Machine")).toEqual(["create", "create"]);
    await t.project.up();
    const applied = t.domain.read();
    const pool = virtualization(applied, "kvm")["server-pool"];
    expect(pool).toEqual([
      expect.objectContaining({ ...seedElements("@").pool, user: seedElements("@").poolUser }),
    ]);
    expect((await t.project.preview()).changeSummary).toEqual({ same: 8 });

    // hand edits of every kind of element show as drift and are repaired
    writeFileSync(
      t.domain.file,
      applied
        .replace('port-name="cscotun0;br0"', 'port-name="eth9"')
        .replace('user-id="1001"', 'user-id="7"')
        .replace("<ip-address>10.132.181.57</ip-address>", "<ip-address>10.132.181.99</ip-address>")
        .replace('group-id="1000"', 'group-id="8"'),
    );
    await t.project.refresh();
    const drift = await t.project.preview();
    expect(drift.changeSummary).toEqual({ same: 4, update: 4 });
    await t.project.up();
    expect(t.domain.read()).toBe(applied);

    // in place: pool ports, machine ip, user ids, auth method
    const changed = seedSpec({ portNames: ["br0"], officeIp: "10.132.181.58" });
    changed.poolUsers[0].args = { userId: 1001, groupId: 2001 };
    changed.machineUsers[0].args = { userId: 1000, groupId: 1000, authMethod: "libssh" };
    await t.spec(changed);
    expect((await t.project.preview()).changeSummary).toEqual({ same: 4, update: 4 });
    await t.project.up();
    const updated = t.domain.read();
    expect(updated).toContain(
      '<server-pool name="cloud" port-name="br0" sub-net="10.132.181.0/24">',
    );
    expect(updated).toContain("<ip-address>10.132.181.58</ip-address>");
    expect(updated).toContain('<user name="cloud" user-id="1001" group-id="2001"/>');
    expect(updated).toContain(
      '<user name="jdoe" user-id="1000" group-id="1000" auth-method="libssh"/>',
    );

    // a machine's IMS name replaces it
    changed.machines[1].args = { name: "office-2", networkName: "office", ip: "10.132.181.58" };
    await t.spec(changed);
    expect(opsOf(await t.project.preview(), "Machine")).toEqual(["replace"]);
    await t.project.up();
    // The replacement is created before the old one goes: it lands last in the pool.
    const replaced = t.domain.read();
    expect(replaced).not.toContain('<machines name="office">');
    expect(replaced).toContain(
      '<machines name="office-2">\n          <network-name>office</network-name>\n          <ip-address>10.132.181.58</ip-address>\n        </machines>',
    );
    expect(replaced.replace(/\s*<machines name="office-2">[\s\S]*?<\/machines>/, "")).toBe(
      updated.replace(/\s*<machines name="office">[\s\S]*?<\/machines>/, ""),
    );

    // a machine user moved to another machine is replaced
    changed.machineUsers[0].machine = "office";
    await t.spec(changed);
    expect(opsOf(await t.project.preview(), "MachineUser")).toEqual(["replace"]);
    await t.project.up();
    expect(t.domain.read()).toContain(
      '<ip-address>10.132.181.58</ip-address>\n          <user name="jdoe" user-id="1000" group-id="1000" auth-method="libssh"/>',
    );
    expect(t.domain.read()).toContain(
      '<machines name="local">\n          <network-name>localhost</network-name>\n        </machines>',
    );

    await t.project.destroy();
    expect(t.domain.read()).toBe(ORIGINAL);
  });

  it("moves a pool to another virtualization with its users and machines", async () => {
    await t.start(BASE);
    await t.project.up();
    const before = t.domain.read();
    const moved = clone(BASE);
    moved.pools[0].virtualization = "xen";
    await t.spec(moved);
    const r = await t.project.up();
    expect(r.stdout).toMatch(/glassfish-ims:ServerPool cloud replaced/);
    expect(virtualization(t.domain.read(), "kvm")["server-pool"]).toBeUndefined();
    const oldPool = (
      virtualization(before, "kvm")["server-pool"] as Array<Record<string, unknown>>
    )[0];
    const newPool = (
      virtualization(t.domain.read(), "xen")["server-pool"] as Array<Record<string, unknown>>
    )[0];
    const names = (p: Record<string, unknown>) =>
      (p.machines as Array<Record<string, unknown>>).map((m) => m["@name"]).sort();
    expect(names(newPool)).toEqual(names(oldPool));
    expect(newPool.user).toEqual(oldPool.user);
    expect((await t.project.preview()).changeSummary).toEqual({ same: 8 });
    await t.project.destroy();
    expect(t.domain.read()).toBe(ORIGINAL);
  });

  it("refuses to delete a pool that holds a machine the stack does not manage", async () => {
    await t.start(BASE);
    await t.project.up();
    const handMade =
      '<machines name="by-hand">\n          <ip-address>10.132.181.9</ip-address>\n        </machines>\n        ';
    writeFileSync(
      t.domain.file,
      t.domain.read().replace('<machines name="', `${handMade}<machines name="`),
    );
    const r = await t.project.run(["destroy", "--yes", "--skip-preview"]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('glassfish-ims NOT_OWNED: <server-pool name="cloud"> in');
    expect(r.stdout + r.stderr).toContain('still holds <machines name="by-hand">');
    expect(t.domain.read()).toContain('<machines name="by-hand">');
    writeFileSync(
      t.domain.file,
      t.domain.read().replace(/\s*<machines name="by-hand">[\s\S]*?<\/machines>/, ""),
    );
    await t.project.destroy();
    expect(t.domain.read()).toBe(ORIGINAL);
  });

  it("adopts elements that exist already only when asked, as they are, then shows and applies the differences", async () => {
    const existing = withIms(ORIGINAL, {
      attributes: { "emulator-path": "/usr/bin/kvm" },
      portNames: ["eth0"],
    });
    writeFileSync(t.domain.file, existing);
    const spec: Spec = { virtualizations: [BASE.virtualizations[0]], pools: [BASE.pools[0]] };
    await t.start(spec);
    // Preview already knows: the name is taken and adopt is not set.
    const r = await t.project.run(["preview"]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(
      `glassfish-ims ALREADY_EXISTS: <libvirt-virtualization name="kvm"> already exists in ${t.domain.file}: set adopt: true to manage it`,
    );
    expect(t.domain.read()).toBe(existing);
    spec.virtualizations[0] = { resource: "kvm", args: { emulator: "kvm", adopt: true } };
    spec.pools[0] = { ...BASE.pools[0], args: { ...(BASE.pools[0].args as object), adopt: true } };
    await t.spec(spec);
    await t.project.up();
    // Adoption writes nothing; asadmin's explicit default emulator-path is no difference.
    expect(t.domain.read()).toBe(existing);
    expect(await t.project.outputs()).toMatchObject({ restartRequired: [false] });
    const preview = await t.project.preview();
    expect(opsOf(preview, "Virtualization").filter((op) => op !== "same")).toEqual([]);
    expect(opsOf(preview, "ServerPool")).toEqual(["update"]);
    // The property detail comes from the state's inputs, which a refresh sets to the file's (a
    // dynamic provider cannot send a detailed diff of its own).
    const diff = await t.project.ok(["preview", "--diff", "--refresh"]);
    expect(diff.stdout).toMatch(
      /~ portNames\s*: \[\s*~ \[0\]: "eth0" => "cscotun0"\s*\+ \[1\]: "br0"/,
    );
    await t.project.up();
    expect(t.domain.read()).toBe(existing.replace('port-name="eth0"', 'port-name="cscotun0;br0"'));
    await t.project.destroy();
    expect(t.domain.read()).toBe(ORIGINAL);
  });

  it("fails at preview on bad inputs of every resource, naming each, with nothing written", async () => {
    // The engine stops at the first resource that fails check, so each bad resource gets its own
    // preview; within one resource every failure is reported at once.
    const cases: Array<[(s: Spec) => void, string[], string]> = [
      [
        (s) => (s.pools[0].args = { subnet: "10.132.181.5/24", portNames: ["cscotun0;br0"] }),
        [
          'subnet "10.132.181.5/24" is not a network address: did you mean "10.132.181.0/24"?',
          'portNames[0] "cscotun0;br0" must be a network interface name',
        ],
        "<server-pool",
      ],
      [
        (s) => (s.poolUsers[0].args = { name: "Cloud", userId: -1, groupId: 1001 }),
        [
          'name "Cloud" must be a unix user name',
          "userId -1 must be a whole number from 0 to 4294967294",
        ],
        'name="Cloud"',
      ],
      [
        (s) =>
          s.machines.push({
            resource: "both",
            pool: "cloud",
            args: { ip: "10.132.181.5", mac: "00:1C-C4:9f:e9:3b" },
          }),
        [
          'mac "00:1C-C4:9f:e9:3b" must be six hex octets like 00:1c:c4:9f:e9:3b',
          'machine "both" has both ip and mac',
        ],
        'name="both"',
      ],
      [
        (s) => (s.machineUsers[0].args = { userId: 1000, groupId: 1000, authMethod: "rsh" }),
        [
          'authMethod "rsh" is not allowed: use one of "ssh", "libssh", "libssh2", "tls", "tcp", "unix", ""',
        ],
        "rsh",
      ],
    ];
    await t.start(BASE);
    for (const [spoil, messages, absent] of cases) {
      const bad = clone(BASE);
      spoil(bad);
      await t.spec(bad);
      const r = await t.project.run(["preview"]);
      expect(r.code).not.toBe(0);
      for (const message of messages) expect(r.stdout + r.stderr).toContain(message);
      expect(t.domain.read()).toBe(ORIGINAL);
      // `up` applies what is valid and independent, but never the bad resource.
      expect((await t.project.run(["up", "--yes", "--skip-preview"])).code).not.toBe(0);
      expect(t.domain.read()).not.toContain(absent);
      await t.project.destroy();
      expect(t.domain.read()).toBe(ORIGINAL);
    }
  });

  it("gives a restart trigger that fires after a change and only then, not after a refresh", async () => {
    await t.start(BASE);
    const log = path.join(path.dirname(t.domain.file), "restarts.log");
    await t.project.config("restartLog", log);
    const restarts = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []);
    await t.project.up();
    expect(restarts()).toHaveLength(1);
    expect(await t.project.outputs()).toMatchObject({ restartRequired: [true] });
    await t.project.up();
    expect(restarts()).toHaveLength(1);
    // A refresh with no edit changes no digest, so the next up restarts nothing.
    await t.project.refresh();
    await t.project.up();
    expect(restarts()).toHaveLength(1);
    await t.spec(seedSpec({ officeIp: "10.132.181.58" }));
    await t.project.up();
    expect(restarts()).toHaveLength(2);
    expect(restarts()[1]).not.toBe(restarts()[0]);
  });
});
