import { duplicateFailures } from "../../provider/resources/duplicates";

// The deployment-wide duplicate check of machines (issue 21 item 9) compares machines of one
// domain.xml: a path is a file on this machine, or on the DAS host a connection names. One
// program that manages several DAS hosts gives the same path, pool and ip on each (issue 18
// item 8): those are different domains, never duplicates.

const urn = (name: string) =>
  `urn:pulumi:dev::p::pulumi-nodejs:dynamic/glassfish-ims:Machine::${name}`;
const FILE = "/srv/glassfish/domains/domain1/config/domain.xml";
const das = (host: string) => ({ host, hostKey: "ssh-ed25519 AAAA" });
const machine = (name: string, connection?: object, ip = "10.132.181.57") => ({
  domainXml: FILE,
  serverPool: "cloud",
  name,
  ip,
  __urn: urn(name),
  ...(connection ? { connection } : {}),
});

describe("duplicate machines across DAS hosts", () => {
  it("takes one path, pool and ip on three DAS hosts (and on this machine) as four domains", () => {
    expect(duplicateFailures(machine("hx-local"))).toEqual([]);
    for (const host of ["10.231.1.2", "10.231.22.2", "10.231.23.2"]) {
      expect(duplicateFailures(machine(`hx-${host}`, das(host)))).toEqual([]);
    }
  });

  it("still refuses the same ip twice in one pool of one DAS host, naming both resources", () => {
    const ip = "10.132.181.58";
    expect(duplicateFailures(machine("dup-a", das("10.231.9.2"), ip))).toEqual([]);
    expect(duplicateFailures(machine("dup-b", das("10.231.9.2"), ip))).toEqual([
      {
        property: "ip",
        reason:
          'ip "10.132.181.58" of machine resource "dup-b" is also the ip of machine resource "dup-a" in server pool "cloud": GlassFish would reach one host for both; give each machine its own ip',
      },
    ]);
  });
});
