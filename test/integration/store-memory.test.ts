import { readFileSync, renameSync, statSync, utimesSync, writeFileSync } from "fs";
import { findVirtualization, LIBVIRT_VIRTUALIZATION } from "../../provider/domain/ims";
import { editDomain, readDomain } from "../../provider/store/store";
import { appendChild, newElement } from "../../provider/domain/tree";
import { create } from "../../provider/resources/virtualization";
import { fixture } from "../support/fixtures";
import { rejection, tempDomain } from "../support/domain";

// The store keeps the file as it last read or wrote it (text and edit tree), used while its text
// is unchanged. These tests change the file behind its back in every way that keeps
// the path, and check that the next edit and the next read start from the file, not from memory.

let domain: ReturnType<typeof tempDomain>;
beforeEach(() => (domain = tempDomain(fixture("domain.xml"))));
afterEach(() => domain.cleanup());

const virt = (name: string) => ({ domainXml: domain.file, name, emulator: "test" as const });

/** The same bytes with `marker` written over the start of the fixture's resource comment. */
function sameSize(text: string, marker: string): string {
  const comment = "<!-- a resource with characters that need escaping -->";
  const at = text.indexOf(comment);
  expect(at).toBeGreaterThan(0);
  const replaced = `<!--${marker}${" ".repeat(comment.length - marker.length - 7)}-->`;
  const out = text.slice(0, at) + replaced + text.slice(at + comment.length);
  expect(out.length).toBe(text.length);
  return out;
}

describe("the file as the store last saw it", () => {
  it("is not used once another program renamed a new file over it", async () => {
    await create(virt("a"));
    const text = domain
      .read()
      .replace("<system-applications>", "<!--outside--><system-applications>");
    writeFileSync(`${domain.file}.new`, text);
    renameSync(`${domain.file}.new`, domain.file);
    await create(virt("b"));
    const after = domain.read();
    expect(after).toContain("<!--outside-->");
    const { doc } = await readDomain(domain.file);
    expect([findVirtualization(doc, "a"), findVirtualization(doc, "b")].every(Boolean)).toBe(true);
  });

  it("is not used after an in-place write of the same size, even with the old mtime put back", async () => {
    await create(virt("a"));
    const before = statSync(domain.file);
    const edited = sameSize(domain.read(), "in-place");
    writeFileSync(domain.file, edited);
    // Only ctime, which no program can set, still tells the versions apart.
    utimesSync(domain.file, before.atime, before.mtime);
    expect(statSync(domain.file).ino).toBe(before.ino);
    expect(statSync(domain.file).size).toBe(before.size);
    expect((await readDomain(domain.file)).text).toContain("<!--in-place ");
    await create(virt("b"));
    expect(domain.read()).toContain("<!--in-place ");
    expect(domain.read()).toContain('name="b"');
  });

  it("leaves no trace of an edit that changed the tree and then failed", async () => {
    await create(virt("a"));
    const failed = editDomain(domain.file, (doc) => {
      // Changes the tree the last edit left, then fails: the next edit must not see the change.
      const container = doc.root.children.find(
        (c) => c.kind === "element" && c.name === "virtualizations",
      );
      if (!container || container.kind !== "element") throw new Error("no virtualizations");
      appendChild([doc.root, container], newElement(LIBVIRT_VIRTUALIZATION, [["name", "ghost"]]));
      throw new Error("the edit fails after changing the tree");
    });
    expect((await rejection(failed)).message).toBe("the edit fails after changing the tree");
    await create(virt("b"));
    const text = readFileSync(domain.file, "utf8");
    expect(text).not.toContain("ghost");
    expect(text).toContain('name="a"');
    expect(text).toContain('name="b"');
  });

  it("serves reads from memory with the same text as the file", async () => {
    await Promise.all(["a", "b", "c"].map((n) => create(virt(n))));
    expect((await readDomain(domain.file)).text).toBe(domain.read());
  });
});
