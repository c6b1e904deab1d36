import { execFileSync } from "child_process";
import {
  chmodSync,
  chownSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "fs";
import * as path from "path";
import { setAttributes } from "../../provider/domain/attrs";
import { editDomain, readDomain } from "../../provider/store/store";
import { create, remove } from "../../provider/resources/virtualization";
import { fixture } from "../support/fixtures";
import { storeTargets } from "../support/targets";
import { rejection, tempDomain } from "../support/domain";

const ORIGINAL = fixture("domain.xml");
let domain: ReturnType<typeof tempDomain>;
beforeEach(() => (domain = tempDomain(ORIGINAL)));
afterEach(() => domain.cleanup());

const bytes = (file: string) => readFileSync(file);

describe.each(storeTargets())("through the $name effects", (target) => {
  beforeAll(() => target.start(), 60_000);
  // Over SSH each edit is some 30 round trips: more than Jest's 5 s default on a loaded machine.
  if (target.name === "ssh") jest.setTimeout(60_000);
  afterAll(() => target.stop());

  const virt = (file: string, name: string) => ({
    domainXml: file,
    name,
    emulator: "test" as const,
    ...target.inputs(),
  });
  const setNote = (file: string, note: string | undefined) =>
    editDomain(target.at(file), (doc) => ({
      value: undefined,
      changed: setAttributes(doc.root, [["note", note]]),
    }));

  describe("domain.xml behind symlinks", () => {
    it("edits the real file through a symlinked domain.xml and keeps the link", async () => {
      const real = path.join(domain.dir, "real-domain.xml");
      renameSync(domain.file, real);
      symlinkSync(real, domain.file);
      const { id, outs } = await create(virt(domain.file, "a"));
      expect(lstatSync(domain.file).isSymbolicLink()).toBe(true);
      expect(readlinkSync(domain.file)).toBe(real);
      expect(readFileSync(real, "utf8")).toContain('<libvirt-virtualization name="a"');
      expect(readFileSync(`${real}.bak`, "utf8")).toBe(ORIGINAL);
      expect(readdirSync(path.dirname(domain.file)).sort()).toEqual(["domain.xml"]);
      expect(readdirSync(domain.dir).sort()).toEqual([
        "config",
        "real-domain.xml",
        "real-domain.xml.bak",
      ]);
      await remove(id, outs);
      expect(readFileSync(real, "utf8")).toBe(ORIGINAL);
    });

    it("edits the real file through a symlinked config directory", async () => {
      const realDir = path.join(domain.dir, "real-config");
      renameSync(path.dirname(domain.file), realDir);
      symlinkSync(realDir, path.dirname(domain.file));
      await create(virt(domain.file, "a"));
      expect(lstatSync(path.dirname(domain.file)).isSymbolicLink()).toBe(true);
      expect(readFileSync(path.join(realDir, "domain.xml"), "utf8")).toContain(
        '<libvirt-virtualization name="a"',
      );
      expect(readdirSync(realDir).sort()).toEqual(["domain.xml", "domain.xml.bak"]);
    });
  });

  describe("declared encoding", () => {
    const latin1 = Buffer.from(
      ORIGINAL.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace(
        "<domain ",
        "<!-- Café © Société -->\n<domain ",
      ),
      "latin1",
    );

    it("keeps ISO-8859-1 bytes, writes what latin1 lacks as references, and gives the bytes back", async () => {
      writeFileSync(domain.file, latin1);
      await setNote(domain.file, "Société € 日本");
      const edited = bytes(domain.file);
      expect(edited.toString("latin1")).toContain("<!-- Café © Société -->");
      expect(edited.toString("latin1")).toContain('note="Société &#x20AC; &#x65E5;&#x672C;"');
      expect(edited.includes(Buffer.from([0xef, 0xbf, 0xbd]))).toBe(false);
      expect((await readDomain(target.at(domain.file))).text).toContain("Café © Société");
      await setNote(domain.file, undefined);
      expect(bytes(domain.file).equals(latin1)).toBe(true);
    });

    it.each<[string, Buffer]>([
      ["UTF-8 with a BOM", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ORIGINAL)])],
      [
        "UTF-16LE with a BOM",
        Buffer.concat([
          Buffer.from([0xff, 0xfe]),
          Buffer.from(ORIGINAL.replace('encoding="UTF-8"', 'encoding="UTF-16"'), "utf16le"),
        ]),
      ],
      [
        "UTF-16BE with a BOM",
        Buffer.concat([
          Buffer.from([0xfe, 0xff]),
          Buffer.from(
            ORIGINAL.replace('encoding="UTF-8"', 'encoding="UTF-16"'),
            "utf16le",
          ).swap16(),
        ]),
      ],
      [
        "US-ASCII",
        Buffer.from(ORIGINAL.replace('encoding="UTF-8"', 'encoding="US-ASCII"'), "latin1"),
      ],
    ])("round-trips %s byte for byte", async (_what, original) => {
      writeFileSync(domain.file, original);
      const { id, outs } = await create(virt(domain.file, "a"));
      expect((await readDomain(target.at(domain.file))).text).toContain(
        '<libvirt-virtualization name="a"',
      );
      await remove(id, outs);
      expect(bytes(domain.file).equals(original)).toBe(true);
    });

    it("refuses an encoding it cannot write back, before writing", async () => {
      const cp1252 = Buffer.from(
        ORIGINAL.replace('encoding="UTF-8"', 'encoding="windows-1252"'),
        "latin1",
      );
      writeFileSync(domain.file, cp1252);
      const err = await rejection(create(virt(domain.file, "a")));
      expect(err.code).toBe("UNSUPPORTED_ENCODING");
      expect(err.message).toBe(
        `glassfish-ims UNSUPPORTED_ENCODING: ${target.shown(domain.file)} declares encoding="windows-1252"; glassfish-ims writes back only UTF-8 (with or without BOM), UTF-16 (LE or BE, with BOM), ISO-8859-1, US-ASCII, byte for byte. Convert the file (e.g. iconv -t UTF-8, and change its XML declaration) and run again`,
      );
      expect(bytes(domain.file).equals(cp1252)).toBe(true);
    });

    it("refuses bytes that are not valid UTF-8 instead of writing U+FFFD", async () => {
      const bad = Buffer.from(
        ORIGINAL.replace("<domain ", "<!-- Caf\u00e9 -->\n<domain "),
        "latin1",
      );
      writeFileSync(domain.file, bad);
      const err = await rejection(create(virt(domain.file, "a")));
      expect(err.code).toBe("UNSUPPORTED_ENCODING");
      expect(err.message).toContain(`${target.shown(domain.file)} is not valid UTF-8`);
      expect(bytes(domain.file).equals(bad)).toBe(true);
    });
  });

  describe("line endings", () => {
    it("inserts CRLF lines into a CRLF file and moves no \\r", async () => {
      const crlf = ORIGINAL.replace(/\n/g, "\r\n");
      writeFileSync(domain.file, crlf);
      const a = await create(virt(domain.file, "a"));
      const b = await create(virt(domain.file, "b"));
      const text = domain.read();
      expect(text.match(/(?<!\r)\n/g)).toBeNull();
      expect(text).toContain(
        '\r\n  <virtualizations>\r\n    <libvirt-virtualization name="a" type="libvirt" connection-string="test:///default"/>\r\n    <libvirt-virtualization name="b" type="libvirt" connection-string="test:///default"/>\r\n  </virtualizations>\r\n</domain>',
      );
      await remove(b.id, b.outs);
      await remove(a.id, a.outs);
      expect(domain.read()).toBe(crlf);
    });
  });

  describe("mode and owner", () => {
    const umask = process.umask();
    afterEach(() => process.umask(umask));

    it.each([
      [0o077, 0o664],
      [0o077, 0o660],
      [0o022, 0o664],
      [0o022, 0o660],
      [0o022, 0o600],
      [0o077, 0o600],
    ])("keeps mode, owner and group under umask %o (file mode %o)", async (mask, mode) => {
      chmodSync(domain.file, mode);
      chownSync(domain.file, 1234, 2345);
      process.umask(mask);
      await create(virt(domain.file, "a"));
      for (const f of [domain.file, `${domain.file}.bak`]) {
        const st = statSync(f);
        expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([mode, 1234, 2345]);
      }
    });
  });

  describe("re-parse before the rename", () => {
    it("leaves the file untouched and says so when the output is not well-formed", async () => {
      const err = await rejection(
        editDomain(
          target.at(domain.file),
          (doc) => ({ value: undefined, changed: setAttributes(doc.root, [["x", "1"]]) }),
          { corruptOutput: (t) => t.replace("</domain>", "</domian>") },
        ),
      );
      expect(err.code).toBe("OUTPUT_MALFORMED");
      expect(err.message).toBe(
        `glassfish-ims OUTPUT_MALFORMED: the edit of ${target.shown(domain.file)} produced text that is not a well-formed domain.xml (an end tag that closes nothing open at line 414, column 1); the file was left as it was. This is a bug in glassfish-ims: please report it with the program that caused it`,
      );
      expect(domain.read()).toBe(ORIGINAL);
      expect(readdirSync(path.dirname(domain.file))).toEqual(["domain.xml"]);
    });
  });

  describe("files a domain may hold", () => {
    it("refuses a file that is already malformed in a way the parser lets through", async () => {
      const spoiled = ORIGINAL.replace("<domain ", "<!-- ok -->\n<domain ").replace(
        "</domain>",
        "  <note>a \u0001 b</note>\n</domain>",
      );
      writeFileSync(domain.file, spoiled);
      const err = await rejection(create(virt(domain.file, "a")));
      expect(err.code).toBe("XML_MALFORMED");
      expect(err.message).toMatch(
        new RegExp(
          `${target.shown(domain.file)} is not well-formed XML at line \\d+, column 11: control character 0x1$`,
        ),
      );
      expect(domain.read()).toBe(spoiled);
    });

    it("refuses a FIFO in domain.xml's place at once (its reads are synchronous: one must not hang)", async () => {
      rmSync(domain.file);
      execFileSync("mkfifo", [domain.file]);
      const err = await rejection(create(virt(domain.file, "a")));
      expect(err.code).toBe("FILE_NOT_FOUND");
      expect(err.message).toContain(`${target.shown(domain.file)} is not a regular file`);
      const read = await rejection(readDomain(target.at(domain.file)));
      expect(read.code).toBe("FILE_NOT_FOUND");
    });

    it.each([
      [
        "a comment with an apostrophe",
        '  <!-- the domain\'s own entities -->\n  <!ENTITY x "y">\n',
      ],
      ["an entity value holding >", '  <!ENTITY arrow "a -> b">\n'],
    ])("edits a domain whose DOCTYPE subset has %s", async (_what, subset) => {
      const text = ORIGINAL.replace("<domain ", `<!DOCTYPE domain [\n${subset}]>\n<domain `);
      writeFileSync(domain.file, text);
      const { id, outs } = await create(virt(domain.file, "a"));
      expect(domain.read()).toContain('<libvirt-virtualization name="a"');
      await remove(id, outs);
      expect(domain.read()).toBe(text);
    });
  });
});
