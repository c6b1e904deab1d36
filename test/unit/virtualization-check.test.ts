import * as path from "path";
import { check, diff } from "../../provider/resources/virtualization";
import { UNKNOWN } from "../../provider/resources/rules";

// A real domain.xml without IMS configuration: check reads it (read only) once the rules pass.
const D = path.join(__dirname, "..", "fixtures", "domain.xml");
const ok = { domainXml: D, name: "kvm", emulator: "kvm" };

describe("Virtualization check", () => {
  it("normalizes: trims, defaults the emulator, normalizes the path", async () => {
    const r = await check({}, { domainXml: ` ${path.dirname(D)}/.//domain.xml `, name: " kvm " });
    expect(r.failures).toEqual([]);
    expect(r.inputs).toEqual({ domainXml: D, name: "kvm", emulator: "kvm" });
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ["missing domainXml", { domainXml: undefined }, "domainXml", "domainXml is required"],
    [
      "empty domainXml",
      { domainXml: "" },
      "domainXml",
      'domainXml "" must be the path of a GlassFish domain.xml, such as glassfish/domains/domain1/config/domain.xml',
    ],
    [
      "name with space",
      { name: "my kvm" },
      "name",
      'name "my kvm" must be 1 to 255 characters, start with a letter, digit or "_", and contain only letters, digits, "_", "-" and "."',
    ],
    [
      "name with quote",
      { name: 'a"b' },
      "name",
      'name "a\\"b" must be 1 to 255 characters, start with a letter, digit or "_", and contain only letters, digits, "_", "-" and "."',
    ],
    [
      "name starting with dash",
      { name: "-x" },
      "name",
      'name "-x" must be 1 to 255 characters, start with a letter, digit or "_", and contain only letters, digits, "_", "-" and "."',
    ],
    [
      "unknown emulator",
      { emulator: "vmware" },
      "emulator",
      'emulator "vmware" is not allowed: use one of "kvm", "qemu", "xen", "test"',
    ],
    [
      "relative emulatorPath",
      { emulatorPath: "bin/kvm" },
      "emulatorPath",
      'emulatorPath "bin/kvm" must be an absolute path such as /usr/bin/kvm',
    ],
    [
      "unknown macro",
      { connectionString: "qemu+ssh://#{user}@#{target.host}/system" },
      "",
      "connectionString uses unknown macro #{user}: allowed are #{auth.sep}, #{auth.method}, #{user.name}, #{target.host}",
    ],
    // A connection string is secret: no failure shows it, and each is the resource's (property
    // ""), since the engine prints a failing property's value beside the reason.
    [
      "not a URI",
      { connectionString: "system" },
      "",
      'connectionString must be a libvirt URI template (a scheme, "://", no whitespace) such as qemu#{auth.sep}#{auth.method}://#{user.name}@#{target.host}/system',
    ],
    [
      "negative cache size",
      { templateCacheSize: -1 },
      "templateCacheSize",
      "templateCacheSize -1 must be a whole number from 0 to 10000",
    ],
    [
      "fractional refresh",
      { templateCacheRefreshRate: 1.5 },
      "templateCacheRefreshRate",
      "templateCacheRefreshRate 1.5 must be a whole number from 1 to 86400",
    ],
    ["string adopt", { adopt: "yes" }, "adopt", 'adopt "yes" must be true or false'],
  ])("rejects %s", async (_what, bad, property, reason) => {
    expect((await check({}, { ...ok, ...bad })).failures).toEqual([{ property, reason }]);
  });

  it("reports every failure at once", async () => {
    const r = await check(
      {},
      { domainXml: "", name: "a b", emulator: "x", templateCacheSize: "5" },
    );
    expect(r.failures.map((f) => f.property)).toEqual([
      "domainXml",
      "name",
      "emulator",
      "templateCacheSize",
    ]);
  });

  it("lets unknown values through", async () => {
    const r = await check(
      {},
      { domainXml: UNKNOWN, name: UNKNOWN, emulator: UNKNOWN, templateCacheSize: UNKNOWN },
    );
    expect(r.failures).toEqual([]);
  });
});

describe("Virtualization diff", () => {
  const old = { ...ok, effectiveEmulatorPath: "/usr/bin/kvm", __provider: "old code" };

  it("sees no change when only the provider code or outputs differ", () => {
    expect(diff("id", old, { ...ok, __provider: "new code" })).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
      diffs: [],
    });
  });

  it("updates in place for non-identity inputs", () => {
    expect(diff("id", old, { ...ok, emulatorPath: "/opt/kvm" })).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
      diffs: ["emulatorPath"],
    });
  });

  it("replaces on a new name, creating the new element before deleting the old", () => {
    expect(diff("id", old, { ...ok, name: "kvm2" })).toEqual({
      changes: true,
      replaces: ["name"],
      deleteBeforeReplace: false,
      diffs: ["name"],
    });
  });

  it("replaces on a new file; the same file spelled differently is no change", () => {
    expect(diff("id", old, { ...ok, domainXml: "other/domain.xml" })).toEqual({
      changes: true,
      replaces: ["domainXml"],
      deleteBeforeReplace: false,
      diffs: ["domainXml"],
    });
    expect(diff("id", old, { ...ok, domainXml: path.relative(process.cwd(), D) })).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
      diffs: [],
    });
  });

  it("treats an unknown identity as a replacement", () => {
    expect(diff("id", old, { ...ok, name: UNKNOWN })).toEqual({
      changes: true,
      replaces: ["name"],
      deleteBeforeReplace: false,
      diffs: ["name"],
    });
  });
});
