import { main } from "../../provider/plugin/cli";
import { importDocument, planImport } from "../../provider/plugin/import-file";
import { parseId } from "../../provider/resources/locate";
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

  test("reports every element it cannot import by path and reason; IDs are unique and parse", () => {
    const text = `<?xml version="1.0"?>
<domain>
  <virtualizations>
    <virtualization name="gen" type="libvirt">
      <server-pool name="gp" port-name="br0" sub-net="10.0.9.0/24"><user/>
        <machines name="gm"><network-name>localhost</network-name></machines>
      </server-pool>
    </virtualization>
    <libvirt-virtualization name="same" type="libvirt"/>
    <libvirt-virtualization name="same" type="libvirt" emulator-path="/usr/bin/qemu-kvm"/>
    <libvirt-virtualization name="" type="libvirt"/>
    <libvirt-virtualization name="kvm" type="libvirt">
      <server-pool name="cloud" port-name="br0" sub-net="10.0.0.0/24"><user/>
        <machines name="x/user"><network-name>localhost</network-name></machines>
        <machines name="x"><network-name>localhost</network-name><user name="u" user-id="1" group-id="1"/></machines>
        <machines name="gm"><network-name>localhost</network-name></machines>
      </server-pool>
    </libvirt-virtualization>
  </virtualizations>
</domain>
`;
    const plan = planImport(parseXml(text, "/d/domain.xml"), "/d/domain.xml");
    const ids = plan.document.resources.map((r) => r.id);
    expect(ids).toEqual([
      "/d/domain.xml#virtualization/same",
      "/d/domain.xml#virtualization/kvm",
      "/d/domain.xml#server-pool/cloud",
      "/d/domain.xml#machines/x",
      "/d/domain.xml#machines/x/user",
    ]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(() => parseId(id)).not.toThrow();
    expect(plan.document.resources.every((r) => r.name.length > 0)).toBe(true);
    const V = "/domain/virtualizations";
    expect(plan.notImported).toEqual([
      {
        path: `${V}/virtualization[@name="gen"]`,
        reason:
          "the generic element GlassFish 4.0 writes without the libvirt plugin; glassfish-ims manages <libvirt-virtualization>: rename the element to libvirt-virtualization (attributes and children stay) and run import-file again",
      },
      {
        path: `${V}/virtualization[@name="gen"]/server-pool[@name="gp"]`,
        reason: 'its parent virtualization[@name="gen"] is not imported',
      },
      {
        path: `${V}/virtualization[@name="gen"]/server-pool[@name="gp"]/machines[@name="gm"]`,
        reason: 'its parent server-pool[@name="gp"] is not imported',
      },
      {
        path: `${V}/libvirt-virtualization[@name="same"]`,
        reason:
          'a second virtualization named "same": GlassFish resolves the name to the first, and one ID would name both; rename one in domain.xml',
      },
      {
        path: `${V}/libvirt-virtualization[@name=""]`,
        reason:
          'name "" must be 1 to 255 characters, start with a letter, digit or "_", and contain only letters, digits, "_", "-" and ".": its ID must name it; rename it in domain.xml',
      },
      {
        path: `${V}/libvirt-virtualization[@name="kvm"]/server-pool[@name="cloud"]/machines[@name="x/user"]`,
        reason:
          'name "x/user" must be 1 to 255 characters, start with a letter, digit or "_", and contain only letters, digits, "_", "-" and ".": its ID must name it; rename it in domain.xml',
      },
      {
        path: `${V}/libvirt-virtualization[@name="kvm"]/server-pool[@name="cloud"]/machines[@name="gm"]`,
        reason:
          'a second machine named "gm": GlassFish resolves the name to the first, and one ID would name both; rename one in domain.xml',
      },
    ]);
  });

  test("the command names what it cannot import on stderr and exits 1", async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import("fs");
    const dir = mkdtempSync(require("path").join(require("os").tmpdir(), "gf-ims-import-"));
    try {
      const file = `${dir}/domain.xml`;
      writeFileSync(
        file,
        '<domain><virtualizations><virtualization name="v" type="libvirt"/></virtualizations></domain>',
      );
      const out: string[] = [];
      const err: string[] = [];
      expect(
        await main(
          ["import-file", file],
          (t) => out.push(t),
          (t) => err.push(t),
        ),
      ).toBe(1);
      expect(JSON.parse(out.join(""))).toEqual({ resources: [] });
      expect(err).toEqual([
        expect.stringMatching(
          /^glassfish-ims import-file: not imported: \/domain\/virtualizations\/virtualization\[@name="v"\]: the generic element /,
        ),
      ]);
    } finally {
      rmSync(dir, { recursive: true });
    }
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
