/**
 * A byte-level well-formedness check of a whole document in an ASCII-compatible encoding (UTF-8,
 * ISO-8859-1, US-ASCII), used to re-check the bytes the store is about to rename into place
 * without decoding them to a second copy of the text. It checks what an edit could break: the
 * nesting and names of start and end tags (no `-`, `.` or digit first), attribute syntax (quoted values without `<`, each
 * name once), references (`&#N;`, `&#xH;`, and `&name;` of the five predefined entities unless a
 * DOCTYPE may declare others), comments, CDATA sections, processing
 * instructions and the DOCTYPE closing, control characters, one root element. It is stricter than
 * fast-xml-parser's validator where that one lets malformed XML through (control characters, an
 * `&` that starts no reference, an end tag with attributes), which is why the store checks the
 * file it reads with it too.
 *
 * Returns the root element's name when the document is well-formed, else what is wrong and its
 * byte offset.
 */
export function checkWellFormed(
  b: Uint8Array,
): { root: string } | { offset: number; what: string } {
  const n = b.length;
  const stack: Array<[number, number]> = [];
  let roots = 0;
  let root = "";
  let hasDoctype = false;
  let i = 0;
  const fail = (offset: number, what: string) => ({ offset, what });
  const isNameByte = (c: number) =>
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d ||
    c === 0x5f ||
    c === 0x2e ||
    c === 0x3a ||
    c >= 0x80;
  // Names start with a letter, `_`, `:` or a non-ASCII character (never `-`, `.` or a digit).
  const isNameStart = (c: number) =>
    (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a || c >= 0x80;
  /** Index past a name starting at k, or k when none starts there. */
  const nameEnd = (k: number): number => {
    if (k >= n || !isNameStart(b[k])) return k;
    let j = k + 1;
    while (j < n && isNameByte(b[j])) j++;
    return j;
  };
  const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
  const find = (seq: string, from: number): number => indexOfSeq(b, seq, from);
  const at = (k: number, seq: string): boolean => {
    for (let m = 0; m < seq.length; m++) if (b[k + m] !== seq.charCodeAt(m)) return false;
    return true;
  };
  /** Index past a valid reference starting at `&` (k), or -1. */
  const reference = (k: number): number => {
    let j = k + 1;
    if (b[j] === 0x23) {
      j++;
      const hex = b[j] === 0x78;
      if (hex) j++;
      const start = j;
      while (
        j < n &&
        ((b[j] >= 0x30 && b[j] <= 0x39) ||
          (hex && ((b[j] >= 0x61 && b[j] <= 0x66) || (b[j] >= 0x41 && b[j] <= 0x46))))
      )
        j++;
      return j > start && b[j] === 0x3b ? j + 1 : -1;
    }
    const start = j;
    j = nameEnd(j);
    if (j === start || b[j] !== 0x3b) return -1;
    // Without a DOCTYPE to declare entities, only the five predefined ones exist.
    const ref = Buffer.from(b.buffer, b.byteOffset + start, j - start).toString("latin1");
    return hasDoctype || PREDEFINED.has(ref) ? j + 1 : -1;
  };
  const sameName = (a: [number, number], from: number, to: number): boolean => {
    if (a[1] - a[0] !== to - from) return false;
    for (let m = 0; m < to - from; m++) if (b[a[0] + m] !== b[from + m]) return false;
    return true;
  };
  while (i < n) {
    const c = b[i];
    if (c !== 0x3c) {
      if (c === 0x26) {
        const end = reference(i);
        if (end < 0) return fail(i, "an & that starts no reference");
        i = end;
        continue;
      }
      if (c < 0x20 && !isSpace(c)) return fail(i, `control character 0x${c.toString(16)}`);
      if (stack.length === 0 && !isSpace(c)) return fail(i, "text outside the root element");
      i++;
      continue;
    }
    if (at(i, "<!--")) {
      const end = find("-->", i + 4);
      if (end < 0) return fail(i, "an unterminated comment");
      i = end + 3;
    } else if (at(i, "<![CDATA[")) {
      if (stack.length === 0) return fail(i, "CDATA outside the root element");
      const end = find("]]>", i + 9);
      if (end < 0) return fail(i, "an unterminated CDATA section");
      i = end + 3;
    } else if (at(i, "<?")) {
      const end = find("?>", i + 2);
      if (end < 0) return fail(i, "an unterminated processing instruction");
      i = end + 2;
    } else if (at(i, "<!DOCTYPE")) {
      if (roots > 0 || stack.length > 0) return fail(i, "a DOCTYPE after the root element");
      hasDoctype = true;
      i = endOfDoctypeBytes(b, i + 9);
      if (i < 0) return fail(n, "an unterminated DOCTYPE");
    } else if (b[i + 1] === 0x2f) {
      const from = i + 2;
      let j = nameEnd(from);
      const to = j;
      while (j < n && isSpace(b[j])) j++;
      if (b[j] !== 0x3e) return fail(i, "a malformed end tag");
      const open = stack.pop();
      if (!open || !sameName(open, from, to)) return fail(i, "an end tag that closes nothing open");
      i = j + 1;
    } else {
      const from = i + 1;
      let j = nameEnd(from);
      if (j === from) return fail(i, "a < that starts no tag");
      const name: [number, number] = [from, j];
      const seen: Array<[number, number]> = [];
      for (;;) {
        const ws = j;
        while (j < n && isSpace(b[j])) j++;
        if (b[j] === 0x3e || (b[j] === 0x2f && b[j + 1] === 0x3e)) break;
        if (j === ws) return fail(j, "attributes must be separated by white space");
        const an = j;
        j = nameEnd(j);
        if (j === an) return fail(j, "a malformed attribute");
        const attr: [number, number] = [an, j];
        if (seen.some((s) => sameName(s, attr[0], attr[1])))
          return fail(an, "a repeated attribute");
        seen.push(attr);
        while (j < n && isSpace(b[j])) j++;
        if (b[j] !== 0x3d) return fail(j, "an attribute without a value");
        j++;
        while (j < n && isSpace(b[j])) j++;
        const q = b[j];
        if (q !== 0x22 && q !== 0x27) return fail(j, "an unquoted attribute value");
        j++;
        while (j < n && b[j] !== q) {
          if (b[j] === 0x3c) return fail(j, "< in an attribute value");
          if (b[j] === 0x26) {
            const end = reference(j);
            if (end < 0) return fail(j, "an & that starts no reference");
            j = end;
            continue;
          }
          if (b[j] < 0x20 && !isSpace(b[j])) return fail(j, "a control character");
          j++;
        }
        if (j >= n) return fail(i, "an unterminated attribute value");
        j++;
      }
      if (stack.length === 0) {
        roots++;
        root = Buffer.from(b.buffer, b.byteOffset + from, name[1] - from).toString("latin1");
        if (roots > 1) return fail(i, "a second root element");
      }
      if (b[j] === 0x2f) {
        i = j + 2;
      } else {
        stack.push(name);
        i = j + 1;
      }
    }
  }
  if (stack.length > 0) return fail(n, "an element that is never closed");
  if (roots === 0) return fail(0, "no root element");
  return { root };
}

const PREDEFINED = new Set(["amp", "lt", "gt", "quot", "apos"]);

/** Index just past the `>` that ends a DOCTYPE whose body starts at `from`, or -1. */
function endOfDoctypeBytes(b: Uint8Array, from: number): number {
  let inSubset = false;
  for (let k = from; k < b.length; k++) {
    const c = b[k];
    if (c === 0x22 || c === 0x27) {
      const end = b.indexOf(c, k + 1);
      if (end < 0) return -1;
      k = end;
    } else if (
      inSubset &&
      c === 0x3c &&
      b[k + 1] === 0x21 &&
      b[k + 2] === 0x2d &&
      b[k + 3] === 0x2d
    ) {
      const end = indexOfSeq(b, "-->", k + 4);
      if (end < 0) return -1;
      k = end + 2;
    } else if (inSubset && c === 0x3c && b[k + 1] === 0x3f) {
      const end = indexOfSeq(b, "?>", k + 2);
      if (end < 0) return -1;
      k = end + 1;
    } else if (c === 0x5b) {
      inSubset = true;
    } else if (c === 0x5d) {
      inSubset = false;
    } else if (c === 0x3e && !inSubset) {
      return k + 1;
    }
  }
  return -1;
}

function indexOfSeq(b: Uint8Array, seq: string, from: number): number {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).indexOf(seq, from, "latin1");
}
