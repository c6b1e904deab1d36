import {
  decodeFile,
  detectEncoding,
  encodeParts,
  type FileEncoding,
} from "../../provider/domain/encoding";
import { isImsError } from "../../provider/errors";

const decl = (enc: string) => `<?xml version="1.0" encoding="${enc}"?>\n<domain/>\n`;
const thrown = (f: () => unknown): Error & { code?: string } => {
  try {
    f();
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error("expected a throw");
};
// The pieces share one buffer, each valid until the next: copy them as they come.
const encode = (parts: string[], enc: FileEncoding) =>
  Buffer.concat(Array.from(encodeParts(parts, enc), (piece) => Buffer.from(piece)));

describe("file encoding", () => {
  it.each<[string, Buffer, string, number]>([
    ["no declaration", Buffer.from("<domain/>"), "UTF-8", 0],
    ["UTF-8 declared", Buffer.from(decl("UTF-8")), "UTF-8", 0],
    ["a UTF-8 BOM", Buffer.from([0xef, 0xbb, 0xbf, 0x3c]), "UTF-8", 3],
    ["ISO-8859-1 declared", Buffer.from(decl("ISO-8859-1")), "ISO-8859-1", 0],
    ["latin1 declared", Buffer.from(decl("latin1")), "ISO-8859-1", 0],
    ["US-ASCII declared", Buffer.from(decl("us-ascii")), "US-ASCII", 0],
    [
      "a UTF-16LE BOM with UTF-16 declared",
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(decl("UTF-16"), "utf16le")]),
      "UTF-16LE",
      2,
    ],
    [
      "a UTF-16BE BOM",
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(decl("UTF-16"), "utf16le").swap16()]),
      "UTF-16BE",
      2,
    ],
  ])("detects %s", (_what, bytes, name, bom) => {
    const enc = detectEncoding(bytes, "f");
    expect([enc.name, enc.bom.length]).toEqual([name, bom]);
  });

  it.each([
    ["windows-1252", Buffer.from(decl("windows-1252")), 'f declares encoding="windows-1252"'],
    ["Shift_JIS", Buffer.from(decl("Shift_JIS")), 'f declares encoding="Shift_JIS"'],
    [
      "UTF-16 without a BOM",
      Buffer.from(decl("UTF-16")),
      'f declares encoding="UTF-16" but has no UTF-16 byte order mark',
    ],
    [
      "a UTF-8 BOM on a latin1 declaration",
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(decl("ISO-8859-1"))]),
      'f declares encoding="ISO-8859-1" but starts like UTF-8',
    ],
  ])("refuses %s", (_what, bytes, message) => {
    const err = thrown(() => detectEncoding(bytes, "f"));
    expect(isImsError(err, "UNSUPPORTED_ENCODING")).toBe(true);
    expect(err.message).toContain(`glassfish-ims UNSUPPORTED_ENCODING: ${message};`);
  });

  it.each<[FileEncoding["name"], Buffer]>([
    ["UTF-8", Buffer.from([0x3c, 0xc3, 0x28])],
    ["US-ASCII", Buffer.from([0x3c, 0xe9])],
    ["UTF-16LE", Buffer.from([0x00, 0xd8, 0x3c, 0x00])],
  ])("refuses bytes that are not valid %s instead of decoding them to U+FFFD", (name, bytes) => {
    const err = thrown(() => decodeFile(bytes, { name, bom: Buffer.alloc(0) }, "f"));
    expect(err.message).toContain(`glassfish-ims UNSUPPORTED_ENCODING: f is not valid ${name}:`);
  });

  it("writes characters the encoding lacks as numeric references", () => {
    const none = Buffer.alloc(0);
    expect(encode(["é € 𝄞"], { name: "ISO-8859-1", bom: none }).toString("latin1")).toBe(
      "é &#x20AC; &#x1D11E;",
    );
    expect(encode(["é €"], { name: "US-ASCII", bom: none }).toString("latin1")).toBe(
      "&#xE9; &#x20AC;",
    );
  });

  it.each<FileEncoding["name"]>(["UTF-8", "UTF-16LE", "UTF-16BE", "ISO-8859-1", "US-ASCII"])(
    "decodes and encodes %s back to the same bytes, across piece boundaries",
    (name) => {
      // A surrogate pair straddles the 64K-character piece boundary of the encoder.
      const big = "a".repeat((1 << 16) - 1) + "𝄞" + "b".repeat(10);
      const text =
        name === "US-ASCII"
          ? "cafe" + "x".repeat(70000)
          : name === "ISO-8859-1"
            ? "café" + "x".repeat(70000)
            : big;
      const enc: FileEncoding = { name, bom: Buffer.alloc(0) };
      const bytes = encode([text.slice(0, 5), text.slice(5)], enc);
      expect(decodeFile(bytes, enc, "f") === text).toBe(true);
      expect(encode([decodeFile(bytes, enc, "f")], enc).equals(bytes)).toBe(true);
    },
  );
});
