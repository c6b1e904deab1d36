import { isAscii, isUtf8 } from "buffer";
import { ImsError } from "../errors";
import { decodeFile, type FileEncoding } from "./encoding";
import { checkWellFormed } from "./wellformed";

/** `line L, column C` of a byte offset (columns count bytes). */
function lineCol(bytes: Buffer, offset: number): string {
  let line = 1;
  let last = -1;
  for (let i = bytes.indexOf(10); i >= 0 && i < offset; i = bytes.indexOf(10, i + 1)) {
    line++;
    last = i;
  }
  return `line ${line}, column ${offset - last}`;
}

/**
 * Checks a file as read with the same byte-level check its rewrite will get (see recheck), so a
 * file that was malformed already (a control character, an `&` that starts no reference, which
 * the parser lets through) is reported as such, not later as a bug of the edit.
 */
export function assertWellFormed(bytes: Buffer, encoding: FileEncoding, file: string): void {
  if (encoding.name === "UTF-16LE" || encoding.name === "UTF-16BE") return;
  const body = bytes.subarray(encoding.bom.length);
  const verdict = checkWellFormed(body);
  if ("what" in verdict) {
    throw new ImsError(
      "XML_MALFORMED",
      `${file} is not well-formed XML at ${lineCol(body, verdict.offset)}: ${verdict.what}`,
    );
  }
}

/**
 * Re-checks the bytes about to be renamed into place: valid in the file's encoding and a
 * well-formed XML document whose root is `<domain>`. ASCII-compatible encodings are checked on
 * the bytes themselves (see checkWellFormed), without decoding a second copy of a large file;
 * UTF-16 is decoded and given to `parse`. A failure here is a bug, and the file stays as it was.
 */
export function recheck(
  bytes: Buffer,
  encoding: FileEncoding,
  file: string,
  parse: (text: string) => void,
): void {
  const body = bytes.subarray(encoding.bom.length);
  let problem: string | undefined;
  let cause: unknown;
  if (encoding.name === "UTF-16LE" || encoding.name === "UTF-16BE") {
    try {
      parse(decodeFile(bytes, encoding, file));
    } catch (e) {
      [problem, cause] = [(e as Error).message, e];
    }
  } else if (encoding.name === "UTF-8" && !isUtf8(body)) {
    problem = "bytes that are not valid UTF-8";
  } else if (encoding.name === "US-ASCII" && !isAscii(body)) {
    problem = "bytes that are not US-ASCII";
  } else {
    const verdict = checkWellFormed(body);
    if ("what" in verdict) problem = `${verdict.what} at ${lineCol(body, verdict.offset)}`;
    else if (verdict.root !== "domain") problem = `its root element is <${verdict.root}>`;
  }
  if (problem === undefined) return;
  throw new ImsError(
    "OUTPUT_MALFORMED",
    `the edit of ${file} produced text that is not a well-formed domain.xml (${problem}); the file was left as it was. This is a bug in glassfish-ims: please report it with the program that caused it`,
    { cause },
  );
}
