import fc from "fast-check";
import { parseXml, serializeXml, childElements } from "../../provider/domain/xml";
import { addInNameOrder } from "../../provider/domain/ims";
import { getAttribute, getAttributes, setAttributes } from "../../provider/domain/attrs";
import {
  appendChild,
  collapseIfEmptied,
  newElement,
  newTextElement,
  removeChild,
  textOf,
} from "../../provider/domain/tree";
import { isImsError } from "../../provider/errors";
import { expectGolden, fixture } from "../support/fixtures";

describe("lossless XML tree", () => {
  it.each(["domain.xml", "doctype.xml"])("serializes %s back byte for byte", (name) => {
    const text = fixture(name);
    expect(serializeXml(parseXml(text, name))).toBe(text);
  });

  it("finds elements through tabs, comments, CDATA and a DOCTYPE", () => {
    const doc = parseXml(fixture("doctype.xml"), "doctype.xml");
    const v = childElements(doc.root, "virtualizations")[0];
    expect(childElements(v).map((e) => getAttribute(e, "name"))).toEqual(["zones", "legacy"]);
    expect(getAttribute(doc.root, "log-root")).toBe("${com.sun.aas.instanceRoot}/logs");
  });

  it("decodes entity references in attribute values", () => {
    const doc = parseXml('<a v="Tom &amp; Jerry &lt;3 &quot;x&quot; &#65;&#x42;"/>', "t");
    expect(getAttribute(doc.root, "v")).toBe('Tom & Jerry <3 "x" AB');
  });

  const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/);
  const ws = fc.constantFrom("", " ", "\n", "\n  ", "\n\t\t", "\r\n    ");
  const value = fc.string({ maxLength: 8 }).map((s) => s.replace(/[<&"]/g, "_"));
  const attrs = fc.uniqueArray(fc.tuple(name, value, fc.constantFrom('"', "'")), {
    selector: (a) => a[0],
    maxLength: 3,
  });
  const tag = fc.tuple(name, attrs, fc.constantFrom("", " ", "\n    "));
  const leaf = fc.oneof(
    tag.map(
      ([n, a, sp]) =>
        `<${n}${a.map(([k, v, q]) => ` ${k}=${q}${v.split(q).join("_")}${q}`).join("")}${sp}/>`,
    ),
    fc.string({ maxLength: 10 }).map((s) => `<!--${s.replace(/-/g, "_")}-->`),
    fc.string({ maxLength: 10 }).map((s) => `<![CDATA[${s.replace(/]]>/g, "")}]]>`),
  );
  const tree: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
    node: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leaf,
      fc
        .tuple(tag, fc.array(fc.tuple(ws, tie("node")), { maxLength: 4 }), ws)
        .map(
          ([[n, a, sp], kids, end]) =>
            `<${n}${a.map(([k, v, q]) => ` ${k}=${q}${v.split(q).join("_")}${q}`).join("")}${sp}>${kids.map(([w, k]) => w + k).join("")}${end}</${n}>`,
        ),
    ),
  })).node;

  it("round-trips any well-formed document exactly (property)", () => {
    fc.assert(
      fc.property(ws, tree, ws, (before, body, after) => {
        const root = `<root>${body}</root>`;
        const text = `<?xml version="1.0"?>${before}${root}${after}`;
        expect(serializeXml(parseXml(text, "p"))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it("appending then removing a child gives back the exact text (property)", () => {
    fc.assert(
      fc.property(tree, ws, ws, (body, lead, end) => {
        const text = `<root>\n  <p>${lead}<first/>${body}${end}</p>\n</root>\n`;
        const doc = parseXml(text, "p");
        const p = childElements(doc.root, "p")[0];
        const child = newElement("added", [["name", "x"]]);
        appendChild([doc.root, p], child);
        expect(childElements(p).at(-1)).toBe(child);
        removeChild(p, child);
        expect(serializeXml(doc)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ["<domain><a></domain>", "line 1"],
    ["<domain>", "line 1"],
    ['<domain a="1" a="2"/>', "line 1"],
    ["<domain/><second/>", "line 1"],
    ["just text", "line 1"],
  ])("rejects malformed XML %j with its position", (text, where) => {
    let err: unknown;
    try {
      parseXml(text, "/x/domain.xml");
    } catch (e) {
      err = e;
    }
    expect(isImsError(err, "XML_MALFORMED")).toBe(true);
    expect((err as Error).message).toContain("/x/domain.xml is not well-formed XML at " + where);
  });
});

describe("attribute editing", () => {
  const el = () => parseXml(`<x b='2'   a="1" c="3"/>`, "t").root;

  it("changes a value in place and keeps its quotes and the spacing of others", () => {
    const e = el();
    expect(setAttributes(e, [["b", "two"]])).toBe(true);
    expect(e.open).toBe(`<x b='two'   a="1" c="3"/>`);
  });

  it("removes an attribute with its leading space only", () => {
    const e = el();
    setAttributes(e, [["a", undefined]]);
    expect(e.open).toBe(`<x b='2' c="3"/>`);
  });

  it("appends new attributes at the end, escaped", () => {
    const e = el();
    setAttributes(e, [["d", 'a<b & "c"']]);
    expect(e.open).toBe(`<x b='2'   a="1" c="3" d="a&lt;b &amp; &quot;c&quot;"/>`);
    expect(getAttributes(e).get("d")).toBe('a<b & "c"');
  });

  it("reports no change when values are already right", () => {
    const e = el();
    expect(
      setAttributes(e, [
        ["a", "1"],
        ["zz", undefined],
      ]),
    ).toBe(false);
    expect(e.open).toBe(`<x b='2'   a="1" c="3"/>`);
  });

  it("appends before the spaces of a spaced self-closing tag", () => {
    const e = parseXml(`<x a="1" />`, "t").root;
    setAttributes(e, [["b", "2"]]);
    expect(e.open).toBe(`<x a="1" b="2" />`);
  });
});

describe("tree editing", () => {
  it("indents a new child like its element siblings (tabs)", () => {
    const doc = parseXml(fixture("doctype.xml"), "doctype.xml");
    const v = childElements(doc.root, "virtualizations")[0];
    appendChild([doc.root, v], newElement("libvirt-virtualization", [["name", "new"]]));
    expectGolden("doctype-appended.xml", serializeXml(doc));
  });

  it("opens a self-closing parent and indents one level deeper than it", () => {
    const doc = parseXml(`<domain>\n\t<pool name="p"/>\n</domain>\n`, "t");
    const pool = childElements(doc.root, "pool")[0];
    appendChild([doc.root, pool], newElement("user", [["name", "u"]]));
    appendChild([doc.root, pool], newTextElement("note", "a & b"));
    expect(serializeXml(doc)).toBe(
      `<domain>\n\t<pool name="p">\n\t\t<user name="u"/>\n\t\t<note>a &amp; b</note>\n\t</pool>\n</domain>\n`,
    );
    expect(textOf(childElements(pool, "note")[0])).toBe("a & b");
  });
});

describe("DOCTYPE internal subsets", () => {
  it.each([
    ["a comment holding an apostrophe", '<!-- the domain\'s own entities -->\n  <!ENTITY x "y">'],
    ["an entity value holding >", '<!ENTITY arrow "a -> b">'],
    ["a literal holding ] and a PI", "<!ENTITY b 'x]y'>\n  <?pi it's here?>"],
  ])("parses a subset with %s and gives it back byte for byte", (_what, subset) => {
    const text = `<?xml version="1.0"?>\n<!DOCTYPE domain [\n  ${subset}\n]>\n<domain><a/></domain>\n`;
    const doc = parseXml(text, "t");
    expect(childElements(doc.root).map((e) => e.name)).toEqual(["a"]);
    expect(serializeXml(doc)).toBe(text);
  });
});

describe("lazy parsing", () => {
  it("serializes an element it never looked into as its source, and a visited one from its nodes", () => {
    const text = `<domain>\n  <big><x a='1'/><!-- c --><y>t</y></big>\n  <small/>\n</domain>\n`;
    const doc = parseXml(text, "t");
    const [big] = childElements(doc.root, "big");
    expect(serializeXml(doc)).toBe(text);
    setAttributes(childElements(big, "x")[0], [["a", "2"]]);
    expect(serializeXml(doc)).toBe(text.replace("a='1'", "a='2'"));
  });

  it("reports a mismatched end tag deep inside an element it has not visited", () => {
    let err: unknown;
    try {
      parseXml("<domain>\n  <a><b></a></b>\n</domain>", "/x/domain.xml");
    } catch (e) {
      err = e;
    }
    expect(isImsError(err, "XML_MALFORMED")).toBe(true);
    expect((err as Error).message).toContain("/x/domain.xml is not well-formed XML at line 2");
  });
});

describe("line endings of new lines", () => {
  it("appends with CRLF in a CRLF document and removing gives back the exact text", () => {
    const text = `<domain>\r\n  <pool name="p">\r\n    <user name="a"/>\r\n  </pool>\r\n  <empty/>\r\n</domain>\r\n`;
    const doc = parseXml(text, "t");
    const [pool] = childElements(doc.root, "pool");
    const [empty] = childElements(doc.root, "empty");
    const user = newElement("user", [["name", "b"]]);
    const inner = newElement("inner");
    appendChild([doc.root, pool], user);
    appendChild([doc.root, empty], inner);
    expect(serializeXml(doc)).toBe(
      `<domain>\r\n  <pool name="p">\r\n    <user name="a"/>\r\n    <user name="b"/>\r\n  </pool>\r\n  <empty>\r\n    <inner/>\r\n  </empty>\r\n</domain>\r\n`,
    );
    removeChild(pool, user);
    removeChild(empty, inner);
    collapseIfEmptied(doc.root, empty);
    expect(serializeXml(doc)).toBe(text);
  });
});

describe("placing an element in name order", () => {
  // The rule, stated the slow way: right after the last sibling of the same kind whose name sorts
  // before it (before the next element of any kind), else before the first sibling of that kind,
  // else at the end.
  function expected(kinds: Array<[string, string]>, name: string): number {
    const before = kinds.map(([k, n], i) => ({ k, n, i })).filter((s) => s.k === "m" && s.n < name);
    if (before.length > 0) return before[before.length - 1].i + 1;
    const first = kinds.findIndex(([k]) => k === "m");
    return first >= 0 ? first : kinds.length;
  }

  it("puts it where the rule says, whatever order the siblings are in", () => {
    const sibling = fc.tuple(fc.constantFrom("m", "other"), fc.constantFrom("a", "c", "e", "g"));
    fc.assert(
      fc.property(
        fc.array(sibling, { maxLength: 8 }),
        fc.constantFrom("b", "d", "f", "h"),
        (kinds, name) => {
          const body = kinds.map(([k, n]) => `\n  <${k} name="${n}"/>`).join("");
          const doc = parseXml(`<pool>${body}\n</pool>`, "t.xml");
          addInNameOrder([doc.root], newElement("m", [["name", name]]));
          const order = childElements(doc.root).map((c) => `${c.name}:${getAttribute(c, "name")}`);
          const want = kinds.map(([k, n]) => `${k}:${n}`);
          want.splice(expected(kinds, name), 0, `m:${name}`);
          expect(order).toEqual(want);
        },
      ),
    );
  });
});
