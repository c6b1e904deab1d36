import {
  credentialsOf,
  programParameters,
  redactUri,
  scrub,
} from "../../provider/libvirt/credentials";
import { classify } from "../../provider/libvirt/connect";
import { expandConnectionString } from "../../provider/libvirt/uri";
import { connectionStringRule } from "../../provider/resources/rules";

const PLANTED = "qemu+ssh://cloud:Hunter2PW@127.0.0.2/system?password=Hunter3PW&keyfile=/k";

describe("credentials in libvirt URIs", () => {
  it("redacts the userinfo password and password-like query values, keeping the rest", () => {
    expect(redactUri(PLANTED)).toBe("qemu+ssh://cloud@127.0.0.2/system?password=***&keyfile=/k");
    expect(redactUri("qemu+ssh://h/system?passwd=a&pwd=b&secret=c&auth_token=d&no_tty=1")).toBe(
      "qemu+ssh://h/system?passwd=***&pwd=***&secret=***&auth_token=***&no_tty=1",
    );
    expect(redactUri("qemu:///system")).toBe("qemu:///system");
  });

  it("redacts templates with macros in the scheme and user", () => {
    expect(
      redactUri("qemu#{auth.sep}#{auth.method}://#{user.name}:Hunter2PW@#{target.host}/system"),
    ).toBe("qemu#{auth.sep}#{auth.method}://#{user.name}@#{target.host}/system");
  });

  it("shows something that is not a URI as *** whole (it may be a password in the wrong field)", () => {
    expect(redactUri("Hunter2PW")).toBe("***");
  });

  it("lists the credentials as written and decoded, and scrubs them from any text", () => {
    expect(credentialsOf("qemu://u:p%40ss@h/x?password=Hunter3PW")).toEqual([
      "Hunter3PW",
      "p%40ss",
      "p@ss",
    ]);
    expect(scrub(`ssh said: Hunter3PW and Hunter2PW; URI ${PLANTED}`, PLANTED)).toBe(
      "ssh said: *** and ***; URI qemu+ssh://cloud@127.0.0.2/system?password=***&keyfile=/k",
    );
  });

  it("keeps the query values out of connection errors (only user:pw@ was redacted before)", () => {
    const err = classify(
      PLANTED,
      {
        code: 1,
        stdout: "",
        stderr:
          "error: Cannot recv data: ssh: connect to host 127.0.0.2 port 22: Connection refused: Hunter3PW",
        timedOut: false,
      },
      1000,
    );
    expect(err.message).toBe(
      "glassfish-ims CONNECTION_REFUSED: cannot connect to qemu+ssh://cloud@127.0.0.2/system?password=***&keyfile=/k: Cannot recv data: ssh: connect to host 127.0.0.2 port 22: Connection refused: ***. Fix: nothing listens on the machine's ssh port: start sshd there, or fix the host or port",
    );
  });

  it("keeps them out of check failures and expansion errors", () => {
    const template = "qemu+ssh://#{user.nme}:Hunter2PW@#{target.host}/system?password=Hunter3PW";
    const reason = connectionStringRule("connectionString").test(template, {});
    expect(reason).toBe(
      "connectionString uses unknown macro #{user.nme}: allowed are #{auth.sep}, #{auth.method}, #{user.name}, #{target.host}",
    );
    expect(() => expandConnectionString(template, { localhost: true })).toThrow(
      'glassfish-ims INVALID_INPUT: connection string "qemu+ssh://#{user.nme}@#{target.host}/system?password=***" uses unknown macro #{user.nme}',
    );
  });
});

describe("credentials in expansions", () => {
  const ISSUE =
    "qemu+ssh://#{user.name}:Hunter2PW@#{target.host}/system?password=Hunter3PW&keyfile=/k";

  it("a localhost machine drops the user's password with the user; a remote one keeps both", () => {
    expect(expandConnectionString(ISSUE, { localhost: true })).toBe(
      "qemu+ssh:///system?password=Hunter3PW&keyfile=/k",
    );
    expect(
      expandConnectionString(ISSUE, {
        localhost: false,
        host: "10.0.0.5",
        user: { name: "cloud" },
      }),
    ).toBe("qemu+ssh://cloud:Hunter2PW@10.0.0.5/system?password=Hunter3PW&keyfile=/k");
    expect(connectionStringRule("connectionString").test(ISSUE, {})).toBeUndefined();
  });

  it("check's URI shape failures quote the expansions without the credentials", () => {
    const reason = connectionStringRule("connectionString").test(
      "qemu+ssh://#{user.name}:Hunter2PW@x@#{target.host}/system?password=Hunter3PW",
      {},
    );
    expect(reason).toMatch(/has more than one "@"/);
    expect(reason).not.toMatch(/Hunter2PW|Hunter3PW/);
  });
});

describe("URI parameters that run programs or name local files", () => {
  it.each([
    ["qemu+ssh://u@h/system?command=/tmp/x", ["command="]],
    ["qemu+ext:///system?command=/tmp/x", ["the ext transport", "command="]],
    ["qemu+ssh://u@h/system?netcat=/tmp/nc&keyfile=/k", ["netcat="]],
    ["qemu+unix:///system?socket=/run/other.sock", ["socket="]],
    [
      "qemu+libssh://u@h/system?known_hosts=/etc/shadow&known_hosts_verify=auto",
      ["known_hosts=", "known_hosts_verify="],
    ],
    ["qemu+ssh://u@h/system?COMMAND=/tmp/x", ["command="]],
    ["qemu+ssh://u@h/system?%63ommand=/tmp/x", ["command="]],
    ["qemu+ssh://u@h/system?keyfile=/k&no_verify=1", []],
    ["qemu:///system", []],
  ])("%s uses %j", (uri, expected) => {
    expect(programParameters(uri)).toEqual(expected);
  });
});
