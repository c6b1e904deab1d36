import { controlFrom, domain, domainStart } from "../../provider/resources/domain";
import { controlOf, domainXmlOf } from "../../provider/store/lifecycle";
import { localHost } from "../../provider/store/local";
import { sshHost } from "../../provider/store/remote";

// A Domain's `connection` (SPEC §7, issue 19 item 6): the opt-in is recorded for the DAS host the
// connection names, the one the IMS resources' store gates their writes on, and never for this
// machine; credentials stay out of what is written to the DAS host.
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFye79e8b61K/SqOBBf4W/unrSTeWxMIMWHRAunWP2ss";
const PLANTED =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nPLANTEDKEYMATERIAL0123456789\n-----END OPENSSH PRIVATE KEY-----\n";
// Nothing is dialed here; were it dialed, this loopback port refuses at once.
const connection = {
  host: "127.0.0.1",
  port: 9,
  privateKey: PLANTED,
  hostKey: KEY,
  dialErrorLimit: 1,
  perDialTimeout: 1,
};
const domainDir = "/srv/glassfish/domains/dcx";

describe("a Domain with a connection", () => {
  it("records the opt-in for the DAS host of its connection, not for this machine", async () => {
    const r = await domain.check({}, { domainDir, connection });
    expect(r.failures).toEqual([]);
    const file = domainXmlOf(domainDir);
    // Another connection object naming the same host (other credentials) is the same DAS host.
    const remote = await controlOf(file, sshHost({ ...connection, privateKey: "other" }));
    expect(remote).toEqual(controlFrom({ domainDir }));
    expect(await controlOf(file, localHost)).toBeUndefined();
  });

  it("reports a bad connection with the IMS resources' rule, naming the property", async () => {
    const r = await domain.check({}, { domainDir: "/srv/gf/d2", connection: { port: 22 } });
    expect(r.failures.map((f) => f.property)).toEqual(["connection"]);
    expect(r.failures[0].reason).toContain("connection.host");
  });

  it("keeps every credential out of the durable copy it writes on the DAS host", () => {
    const text = JSON.stringify(controlFrom({ domainDir, connection } as never));
    expect(text).not.toContain("PLANTED");
    expect(text).not.toContain("127.0.0.1");
  });

  it("is replaced when the connection names another DAS host, updated when only credentials change", () => {
    const olds = { domainDir, connection };
    const moved = domain.diff("id", olds, { domainDir, connection: { ...connection, port: 2222 } });
    expect(moved).toEqual({
      changes: true,
      replaces: ["connection"],
      deleteBeforeReplace: false,
      diffs: ["connection"],
    });
    const rekeyed = domain.diff("id", olds, {
      domainDir,
      connection: { ...connection, privateKey: "new" },
    });
    expect(rekeyed).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
      diffs: ["connection"],
    });
    expect(domain.diff("id", olds, { domainDir, connection })).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
      diffs: [],
    });
  });

  it("gives a DomainStart the same host rule: another DAS host replaces it", () => {
    const file = domainXmlOf(domainDir);
    const d = domainStart.diff(
      "id",
      { domainXml: file, connection },
      { domainXml: file, connection: { ...connection, host: "das2.example.com" } },
    );
    expect(d.replaces).toEqual(["connection"]);
  });
});
