import { main } from "../../provider/plugin/cli";
import { importDocument } from "../../provider/plugin/import-file";
import { parseXml } from "../../provider/domain/xml";

const DOMAIN = `<?xml version="1.0"?>
<domain>
  <virtualizations>
    <native-virtualization name="native"/>
    <libvirt-virtualization name="kvm" type="libvirt">
      <server-pool name="cloud" port-name="br0" sub-net="10.0.0.0/24">
        <user/>
        <machines name="cloud"><network-name>localhost</network-name><user name="jdoe" user-id="1" group-id="1"/></machines>
      </server-pool>
      <server-pool name="kvm" port-name="br0" sub-net="10.0.1.0/24">
        <user name="pool" user-id="2" group-id="2"/>
      </server-pool>
    </libvirt-virtualization>
  </virtualizations>
</domain>
`;

describe("the import file of a domain", () => {
  test("lists every IMS element parents first, users only when named, names made unique", () => {
    const doc = parseXml(DOMAIN, "/d/domain.xml");
    expect(importDocument(doc, "/d/domain.xml")).toEqual({
      resources: [
        {
          type: "glassfish-ims:index:Virtualization",
          name: "kvm",
          id: "/d/domain.xml#virtualization/kvm",
        },
        {
          type: "glassfish-ims:index:ServerPool",
          name: "cloud",
          id: "/d/domain.xml#server-pool/cloud",
        },
        {
          type: "glassfish-ims:index:Machine",
          name: "cloud-2",
          id: "/d/domain.xml#machines/cloud",
        },
        {
          type: "glassfish-ims:index:MachineUser",
          name: "cloud-user",
          id: "/d/domain.xml#machines/cloud/user",
        },
        {
          type: "glassfish-ims:index:ServerPool",
          name: "kvm-2",
          id: "/d/domain.xml#server-pool/kvm",
        },
        {
          type: "glassfish-ims:index:PoolUser",
          name: "kvm-user",
          id: "/d/domain.xml#server-pool/kvm/user",
        },
      ],
    });
  });

  test("the command says how to call it and names a file it cannot read", async () => {
    const err: string[] = [];
    expect(
      await main(
        ["import"],
        () => undefined,
        (t) => err.push(t),
      ),
    ).toBe(2);
    expect(
      await main(
        ["import-file", "/nonexistent/domain.xml"],
        () => undefined,
        (t) => err.push(t),
      ),
    ).toBe(1);
    expect(err[0]).toBe(
      "usage: glassfish-ims import-file <domain.xml>   (prints the pulumi import --file JSON)\n",
    );
    expect(err[1]).toMatch(/^glassfish-ims import-file: .*\/nonexistent\/domain\.xml/);
  });
});

describe("the glassfish-ims command", () => {
  test.each([["--help"], ["-h"], ["help"]])("%s prints the usage and exits 0", async (flag) => {
    const out: string[] = [];
    expect(
      await main(
        [flag],
        (t) => out.push(t),
        () => undefined,
      ),
    ).toBe(0);
    expect(out.join("")).toBe(
      "usage: glassfish-ims import-file <domain.xml>   (prints the pulumi import --file JSON)\n" +
        "       glassfish-ims --help      this text\n" +
        "       glassfish-ims --version   the version of glassfish-ims\n",
    );
  });
});
