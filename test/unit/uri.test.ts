import { expandConnectionString } from "../../provider/libvirt/uri";
import { PRESETS, type Emulator } from "../../provider/libvirt/presets";

const pool = { name: "cloud" };
const machineUser = { name: "jdoe", authMethod: "libssh" };
const noAuth = { name: "cloud", authMethod: "" };

// [emulator, machine kind, effective user, expected URI]
const TABLE: Array<[Emulator, "localhost" | "fixed" | "mac", typeof pool | undefined, string]> = [
  ["kvm", "localhost", pool, "qemu:///system"],
  ["kvm", "localhost", machineUser, "qemu:///system"],
  ["kvm", "fixed", pool, "qemu+ssh://cloud@10.132.181.57/system"],
  ["kvm", "fixed", machineUser, "qemu+libssh://jdoe@10.132.181.57/system"],
  ["kvm", "mac", pool, "qemu+ssh://cloud@10.132.181.23/system"],
  ["kvm", "mac", noAuth, "qemu://cloud@10.132.181.23/system"],
  ["qemu", "localhost", pool, "qemu:///system"],
  ["qemu", "fixed", pool, "qemu+ssh://cloud@10.132.181.57/system"],
  ["qemu", "mac", machineUser, "qemu+libssh://jdoe@10.132.181.23/system"],
  ["xen", "localhost", pool, "xen:///system"],
  ["xen", "fixed", pool, "xen+ssh://cloud@10.132.181.57/system"],
  ["xen", "mac", machineUser, "xen+libssh://jdoe@10.132.181.23/system"],
  ["test", "localhost", pool, "test:///default"],
  ["test", "fixed", pool, "test:///default"],
  ["test", "mac", machineUser, "test:///default"],
];

describe("connection-string expansion", () => {
  it.each(TABLE)("%s, %s machine, user %j gives %s", (emulator, kind, user, expected) => {
    const host = kind === "fixed" ? "10.132.181.57" : kind === "mac" ? "10.132.181.23" : undefined;
    expect(
      expandConnectionString(PRESETS[emulator].connectionString, {
        localhost: kind === "localhost",
        host,
        user,
      }),
    ).toBe(expected);
  });

  it("keeps a template's own query, such as a test-local known_hosts", () => {
    expect(
      expandConnectionString(
        "qemu#{auth.sep}#{auth.method}://#{user.name}@#{target.host}/system?keyfile=/k&known_hosts=/kh",
        {
          localhost: false,
          host: "10.0.0.5",
          user: { name: "root", authMethod: "libssh" },
        },
      ),
    ).toBe("qemu+libssh://root@10.0.0.5/system?keyfile=/k&known_hosts=/kh");
  });

  it.each([
    [{ name: "a@b" }, "10.0.0.5", 'user name "a@b" cannot go into a libvirt URI'],
    [{ name: "cloud" }, "10.0.0.5/evil", 'host "10.0.0.5/evil" cannot go into a libvirt URI'],
    [
      { name: "cloud", authMethod: "ssh?x" },
      "10.0.0.5",
      'auth method "ssh?x" cannot go into a libvirt URI',
    ],
  ])("refuses %j at %s", (user, host, message) => {
    expect(() =>
      expandConnectionString(PRESETS.kvm.connectionString, { localhost: false, host, user }),
    ).toThrow(message);
  });

  it("refuses unknown macros, naming them", () => {
    expect(() =>
      expandConnectionString("qemu://#{user}@#{host}/system", { localhost: true }),
    ).toThrow(
      "uses unknown macro #{user}, #{host}: allowed are #{auth.sep}, #{auth.method}, #{user.name}, #{target.host}",
    );
  });

  it("needs an address for a remote machine", () => {
    expect(() =>
      expandConnectionString(PRESETS.kvm.connectionString, { localhost: false, user: pool }),
    ).toThrow("the machine has no address yet");
  });
});
