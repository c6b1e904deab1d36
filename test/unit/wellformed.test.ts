import fc from "fast-check";
import { XMLValidator } from "fast-xml-parser";
import { checkWellFormed } from "../../provider/domain/wellformed";
import { fixture } from "../support/fixtures";

const check = (text: string) => checkWellFormed(Buffer.from(text, "utf8"));

const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,4}$/);
const ws = fc.constantFrom("", " ", "\n", "\r\n  ");
const node: fc.Arbitrary<string> = fc.letrec<{ n: string }>((tie) => ({
  n: fc.oneof(
    { depthSize: "small" },
    fc
      .tuple(name, fc.constantFrom("", ' a="1"', " b='&lt;'", ' a="1" b="2"'))
      .map(([n, a]) => `<${n}${a}/>`),
    fc.constantFrom(
      "x",
      "a &amp; b",
      "&#65;&#x42;",
      " ",
      "<!-- c -->",
      "<![CDATA[<x>]]>",
      "<?pi x?>",
    ),
    fc
      .tuple(name, fc.array(tie("n"), { maxLength: 3 }), ws)
      .map(([n, kids, w]) => `<${n}>${kids.join("")}${w}</${n}>`),
  ),
})).n;
const doc = fc
  .tuple(ws, fc.array(node, { maxLength: 3 }), ws)
  .map(([a, body, c]) => `<?xml version="1.0"?>${a}<root>${body.join("")}</root>${c}`);
const mutated = fc
  .tuple(
    doc,
    fc.nat(),
    fc.constantFrom("", "<", "&", ">", '"', "'", "/", "=", "x", "-", "]]>", "\u0001"),
  )
  .map(([d, p, insert]) => {
    const i = p % d.length;
    return insert === "" ? d.slice(0, i) + d.slice(i + 1) : d.slice(0, i) + insert + d.slice(i);
  });

describe("byte-level well-formedness check", () => {
  it("accepts the fixtures and names their root", () => {
    expect(check(fixture("domain.xml"))).toEqual({ root: "domain" });
    expect(check(fixture("doctype.xml"))).toEqual({ root: "domain" });
  });

  it("accepts every generated well-formed document (property)", () => {
    fc.assert(
      fc.property(doc, (d) => {
        expect(check(d)).toEqual({ root: "root" });
      }),
      { numRuns: 500 },
    );
  });

  it("never accepts a document the parser rejects (property, single-character mutations)", () => {
    fc.assert(
      fc.property(mutated, (d) => {
        if (XMLValidator.validate(d, { allowBooleanAttributes: false }) !== true) {
          expect(check(d)).toHaveProperty("what");
        }
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ["<a><b></a></b>", 6, "an end tag that closes nothing open"],
    ['<a x="1" x="2"/>', 9, "a repeated attribute"],
    ["<a>&nbsp;</a>", 3, "an & that starts no reference"],
    ["<a/><b/>", 4, "a second root element"],
    ["<a x=1/>", 5, "an unquoted attribute value"],
    ["<a>\u0001</a>", 3, "control character 0x1"],
    ['<a x="<"/>', 6, "< in an attribute value"],
    ["<a></a x='1'>", 3, "a malformed end tag"],
    ["<-a/>", 0, "a < that starts no tag"],
    ["<a>", 3, "an element that is never closed"],
  ])("rejects %j at byte %d: %s", (text, offset, what) => {
    expect(check(text)).toEqual({ offset, what });
  });

  it("accepts entities a DOCTYPE may declare, and a subset holding quotes, > and comments", () => {
    const text = `<!DOCTYPE a [\n  <!-- it's -->\n  <!ENTITY e "x > y">\n]>\n<a>&e;</a>`;
    expect(check(text)).toEqual({ root: "a" });
  });
});
