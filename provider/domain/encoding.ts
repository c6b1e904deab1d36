import { isUtf8 } from "buffer";
import { ImsError } from "../errors";

/**
 * How a domain.xml is encoded, as its byte order mark and XML declaration say. Only encodings
 * whose bytes Node decodes and encodes back exactly are supported, so that every byte outside an
 * edit stays as it was.
 */
export interface FileEncoding {
  /** The encoding's canonical name, for messages: `UTF-8`, `UTF-16LE`, `UTF-16BE`, `ISO-8859-1`, `US-ASCII`. */
  readonly name: "UTF-8" | "UTF-16LE" | "UTF-16BE" | "ISO-8859-1" | "US-ASCII";
  /** The byte order mark the file starts with (empty when none); written back as it was. */
  readonly bom: Buffer;
}

const LABELS: Record<string, FileEncoding["name"] | "UTF-16"> = {
  "utf-8": "UTF-8",
  utf8: "UTF-8",
  "utf-16": "UTF-16",
  utf16: "UTF-16",
  "utf-16le": "UTF-16LE",
  "utf-16be": "UTF-16BE",
  "iso-8859-1": "ISO-8859-1",
  iso_8859_1: "ISO-8859-1",
  "iso_8859-1": "ISO-8859-1",
  "iso8859-1": "ISO-8859-1",
  latin1: "ISO-8859-1",
  l1: "ISO-8859-1",
  "iso-ir-100": "ISO-8859-1",
  cp819: "ISO-8859-1",
  ibm819: "ISO-8859-1",
  "us-ascii": "US-ASCII",
  ascii: "US-ASCII",
  "iso646-us": "US-ASCII",
  "ansi_x3.4-1968": "US-ASCII",
};

const SUPPORTED = "UTF-8 (with or without BOM), UTF-16 (LE or BE, with BOM), ISO-8859-1, US-ASCII";

const DECLARED = /^<\?xml\s[^?>]*?\bencoding\s*=\s*(["'])([^"']*)\1/;

function unsupported(file: string, what: string): ImsError {
  return new ImsError(
    "UNSUPPORTED_ENCODING",
    `${file} ${what}; glassfish-ims writes back only ${SUPPORTED}, byte for byte. Convert the file (e.g. iconv -t UTF-8, and change its XML declaration) and run again`,
  );
}

function bomOf(bytes: Buffer): { name: FileEncoding["name"]; length: number } | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { name: "UTF-8", length: 3 };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { name: "UTF-16LE", length: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { name: "UTF-16BE", length: 2 };
  return undefined;
}

/**
 * The encoding of a domain.xml from its first bytes: a BOM, else the `encoding` of the XML
 * declaration, else UTF-8 (the XML default). Fails with `UNSUPPORTED_ENCODING` for an encoding
 * that cannot be written back byte for byte, or a BOM that contradicts the declaration.
 */
export function detectEncoding(bytes: Buffer, file: string): FileEncoding {
  const bom = bomOf(bytes);
  const head = bytes.subarray(bom?.length ?? 0, Math.min(bytes.length, 1024));
  let name: FileEncoding["name"] | undefined = bom?.name;
  if (!bom && head[0] === 0x3c && head[1] === 0x00) name = "UTF-16LE";
  if (!bom && head[0] === 0x00 && head[1] === 0x3c) name = "UTF-16BE";
  const headText =
    name === "UTF-16LE"
      ? head.toString("utf16le")
      : name === "UTF-16BE"
        ? Buffer.from(head).swap16().toString("utf16le")
        : head.toString("latin1");
  const m = DECLARED.exec(headText);
  if (m) {
    const label = LABELS[m[2].toLowerCase()];
    if (!label) throw unsupported(file, `declares encoding="${m[2]}"`);
    const wide = name === "UTF-16LE" || name === "UTF-16BE";
    if (label === "UTF-16") {
      if (!wide)
        throw unsupported(file, `declares encoding="${m[2]}" but has no UTF-16 byte order mark`);
    } else if (wide ? label !== name : name !== undefined && label !== name) {
      throw unsupported(file, `declares encoding="${m[2]}" but starts like ${name}`);
    } else {
      name = label;
    }
  }
  return { name: name ?? "UTF-8", bom: Buffer.from(bytes.subarray(0, bom?.length ?? 0)) };
}

function invalid(file: string, enc: FileEncoding, cause?: unknown): ImsError {
  return new ImsError(
    "UNSUPPORTED_ENCODING",
    `${file} is not valid ${enc.name}: it holds bytes that do not decode, and would not be written back as they are. Fix the file's encoding or its XML declaration and run again`,
    { cause },
  );
}

/**
 * Decodes the whole file (BOM excluded) to text, strictly: bytes that do not decode in the
 * file's encoding fail with `UNSUPPORTED_ENCODING` instead of becoming U+FFFD.
 */
export function decodeFile(bytes: Buffer, enc: FileEncoding, file: string): string {
  const body = bytes.subarray(enc.bom.length);
  switch (enc.name) {
    case "ISO-8859-1":
      return body.toString("latin1");
    case "US-ASCII": {
      const text = body.toString("latin1");
      if (/[^\x00-\x7f]/.test(text)) throw invalid(file, enc);
      return text;
    }
    case "UTF-8":
      if (!isUtf8(body)) throw invalid(file, enc);
      return body.toString("utf8");
    default:
      try {
        return new TextDecoder(enc.name.toLowerCase(), { fatal: true, ignoreBOM: true }).decode(
          body,
        );
      } catch (e) {
        throw invalid(file, enc, e);
      }
  }
}

function references(text: string, unrepresentable: RegExp): string {
  return text.replace(
    unrepresentable,
    (c) => `&#x${c.codePointAt(0)!.toString(16).toUpperCase()};`,
  );
}

// Characters the encoding cannot represent (only an edit brings them: the rest of the text was
// decoded from this encoding) become numeric character references, which is what XML offers for
// them; edits only write attribute values and character data, where references are allowed.

/** Writes `text` into `out` in the file's encoding; returns the bytes written. */
function encodeInto(text: string, enc: FileEncoding, out: Buffer): number {
  switch (enc.name) {
    case "UTF-8":
      return out.write(text, "utf8");
    case "UTF-16LE":
      return out.write(text, "utf16le");
    case "UTF-16BE": {
      const n = out.write(text, "utf16le");
      out.subarray(0, n).swap16();
      return n;
    }
    case "ISO-8859-1":
      return out.write(references(text, /[^\x00-\xff]/gu), "latin1");
    case "US-ASCII":
      return out.write(references(text, /[^\x00-\x7f]/gu), "latin1");
  }
}

/**
 * The file's bytes for the text made of `parts` (the BOM first), in pieces of one reused buffer
 * (each piece is valid until the next is asked for), so that a large document is never held
 * twice in memory. Small parts are packed together into one piece (a tree of thousands of
 * elements serializes to tens of thousands of parts: one write each would cost a system call
 * each). A piece never splits a surrogate pair. Each part is released (set to "") once encoded.
 */
export function* encodeParts(parts: string[], enc: FileEncoding): Generator<Buffer> {
  if (enc.bom.length) yield enc.bom;
  // 64K characters take at most 64K * 10 bytes (a reference like &#x10FFFF; per character in
  // ISO-8859-1 and US-ASCII; 3 bytes in UTF-8, 2 in UTF-16). The buffer is no larger than the
  // whole text needs: large buffers live outside the heap, and one per write of a small file
  // would make the garbage collector run often.
  const chunk = 1 << 16;
  const perChar = enc.name === "UTF-8" ? 3 : enc.name.startsWith("UTF-16") ? 2 : 10;
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = Buffer.allocUnsafe(Math.max(1, Math.min(chunk * 20, total * perChar)));
  let used = 0;
  for (let p = 0; p < parts.length; p++) {
    const text = parts[p];
    parts[p] = "";
    for (let i = 0; i < text.length;) {
      let end = Math.min(text.length, i + chunk);
      const last = text.charCodeAt(end - 1);
      if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++;
      // Room for the piece at its worst; the buffer always holds one piece whole.
      if (used > 0 && out.length - used < (end - i) * perChar) {
        yield out.subarray(0, used);
        used = 0;
      }
      used += encodeInto(text.slice(i, end), enc, out.subarray(used));
      i = end;
    }
  }
  if (used > 0) yield out.subarray(0, used);
}
