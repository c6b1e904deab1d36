import { XMLValidator } from "fast-xml-parser";
import { ImsError } from "../errors";

/**
 * A lossless XML tree: every byte of the source is held by exactly one node, so serializing an
 * unchanged tree gives back the source byte for byte. Only what this provider edits is modelled
 * (elements, their start tag and children); comments, processing instructions, CDATA, the DOCTYPE
 * and character data are opaque text.
 */
export interface XmlElement {
  readonly kind: "element";
  /** Tag name, e.g. `server-pool`. */
  readonly name: string;
  /** The raw start tag, `<name a="1">` or `<name a="1"/>`; rewritten only when edited. */
  open: string;
  /** True for `<name/>`: no children and no end tag. */
  selfClosing: boolean;
  /** Child nodes in document order. */
  children: XmlNode[];
  /** The raw end tag (`</name>`), empty when self-closing. */
  close: string;
}

/** Anything that is not an element, kept as the exact source text. */
export interface XmlText {
  readonly kind: "text";
  raw: string;
}

/** A node of the lossless tree. */
export type XmlNode = XmlElement | XmlText;

/** A whole document: the prolog (declaration, comments, DOCTYPE), the root, and what follows. */
export interface XmlDocument {
  prolog: string;
  root: XmlElement;
  epilog: string;
}

const NAME_END = /[\s/>]/;

function lineCol(text: string, offset: number): string {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return `line ${line}, column ${offset - last}`;
}

function malformed(source: string, text: string, offset: number, what: string): ImsError {
  return new ImsError(
    "XML_MALFORMED",
    `${source} is not well-formed XML at ${lineCol(text, offset)}: ${what}`,
  );
}

/** Index just past the `>` that closes the markup starting at `from`, honouring quotes. */
function endOfTag(text: string, from: number): number {
  let quote = "";
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === ">") {
      return i + 1;
    }
  }
  return -1;
}

/** Index just past `close` searched from `from`, or -1. */
function pastMarker(text: string, from: number, close: string): number {
  const at = text.indexOf(close, from);
  return at < 0 ? -1 : at + close.length;
}

/**
 * Index just past a DOCTYPE, which may carry an internal subset in brackets. Quotes only delimit
 * literals (system ids, entity values, which may hold `>` or `]`); comments and processing
 * instructions in the subset are skipped whole, so an apostrophe in them opens nothing.
 */
function endOfDoctype(text: string, from: number): number {
  let inSubset = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) return -1;
      i = end;
    } else if (inSubset && text.startsWith("<!--", i)) {
      i = pastMarker(text, i + 4, "-->") - 1;
      if (i < 0) return -1;
    } else if (inSubset && text.startsWith("<?", i)) {
      i = pastMarker(text, i + 2, "?>") - 1;
      if (i < 0) return -1;
    } else if (c === "[") {
      inSubset = true;
    } else if (c === "]") {
      inSubset = false;
    } else if (c === ">" && !inSubset) {
      return i + 1;
    }
  }
  return -1;
}

function pushText(children: XmlNode[], raw: string): void {
  if (raw === "") return;
  const last = children[children.length - 1];
  if (last && last.kind === "text") last.raw += raw;
  else children.push({ kind: "text", raw });
}

/** Index just past the comment, CDATA section, PI or declaration starting at `lt`, or -1. */
function endOfMarkup(text: string, lt: number): number {
  if (text.startsWith("<!--", lt)) return pastMarker(text, lt + 4, "-->");
  if (text.startsWith("<![CDATA[", lt)) return pastMarker(text, lt + 9, "]]>");
  if (text.startsWith("<?", lt)) return pastMarker(text, lt + 2, "?>");
  return endOfDoctype(text, lt + 2);
}

/** Index of the end tag that closes the element whose content starts at `from`, or -1. */
function findClose(text: string, from: number, to: number): number {
  let depth = 0;
  for (let i = from; ;) {
    const lt = text.indexOf("<", i);
    if (lt < 0 || lt >= to) return -1;
    const c = text[lt + 1];
    if (c === "!" || c === "?") {
      i = endOfMarkup(text, lt);
      if (i < 0) return -1;
      continue;
    }
    const end = endOfTag(text, lt + 1);
    if (end < 0) return -1;
    if (c === "/") {
      if (depth === 0) return lt;
      depth--;
    } else if (text[end - 2] !== "/") {
      depth++;
    }
    i = end;
  }
}

/**
 * An element read from a source text. Its children are parsed when first asked for, so an edit
 * of a large domain.xml builds nodes only for the parts it visits; an element never visited is
 * serialized as its source slice.
 */
class SourceElement implements XmlElement {
  readonly kind = "element";
  #children: XmlNode[] | undefined;

  constructor(
    readonly name: string,
    public open: string,
    public selfClosing: boolean,
    public close: string,
    private readonly source: { text: string; from: number; to: number; name: string },
  ) {
    if (selfClosing) this.#children = [];
  }

  get children(): XmlNode[] {
    if (!this.#children) {
      const { text, from, to, name } = this.source;
      this.#children = parseLevel(text, from, to, name);
    }
    return this.#children;
  }

  set children(nodes: XmlNode[]) {
    this.#children = nodes;
  }

  /** The source of the content while it was never parsed (then it is unchanged). */
  untouchedContent(): string | undefined {
    return this.#children ? undefined : this.source.text.slice(this.source.from, this.source.to);
  }
}

/** The nodes of `text` between `from` and `to`, elements parsed one level deep. */
function parseLevel(text: string, from: number, to: number, source: string): XmlNode[] {
  const nodes: XmlNode[] = [];
  for (let i = from; i < to;) {
    const lt = text.indexOf("<", i);
    if (lt < 0 || lt >= to) {
      pushText(nodes, text.slice(i, to));
      break;
    }
    if (lt > i) pushText(nodes, text.slice(i, lt));
    const c = text[lt + 1];
    if (c === "!" || c === "?") {
      const end = endOfMarkup(text, lt);
      if (end < 0 || end > to) throw malformed(source, text, lt, "unterminated markup");
      pushText(nodes, text.slice(lt, end));
      i = end;
      continue;
    }
    const el = elementAt(text, lt, to, source);
    nodes.push(el.element);
    i = el.end;
  }
  return nodes;
}

/** The element whose start tag is at `lt`, and the index just past its end tag. */
function elementAt(
  text: string,
  lt: number,
  to: number,
  source: string,
): { element: XmlElement; end: number } {
  const openEnd = endOfTag(text, lt + 1);
  if (openEnd < 0 || openEnd > to) throw malformed(source, text, lt, "unterminated tag");
  const open = text.slice(lt, openEnd);
  if (open[1] === "/") throw malformed(source, text, lt, `unexpected ${open}`);
  const m = NAME_END.exec(open.slice(1));
  const name = m ? open.slice(1, 1 + m.index) : open.slice(1, -1);
  if (open.endsWith("/>")) {
    const element = new SourceElement(name, open, true, "", { text, from: 0, to: 0, name: source });
    return { element, end: openEnd };
  }
  const closeAt = findClose(text, openEnd, to);
  if (closeAt < 0) throw malformed(source, text, lt, `<${name}> is never closed`);
  const closeEnd = endOfTag(text, closeAt + 1);
  const close = text.slice(closeAt, closeEnd);
  if (close.slice(2, -1).trim() !== name) {
    throw malformed(source, text, closeAt, `unexpected ${close}`);
  }
  const element = new SourceElement(name, open, false, close, {
    text,
    from: openEnd,
    to: closeAt,
    name: source,
  });
  return { element, end: closeEnd };
}

/**
 * The text the validator checks: a DOCTYPE is blanked out (same length and line breaks) because
 * the validator misreads some well-formed internal subsets; {@link endOfDoctype} checks its
 * extent instead.
 */
function withoutDoctype(text: string): string {
  const at = text.search(/<!DOCTYPE/);
  if (at < 0) return text;
  const end = endOfDoctype(text, at + 2);
  if (end < 0) return text;
  return text.slice(0, at) + text.slice(at, end).replace(/[^\n]/g, " ") + text.slice(end);
}

/** Options of {@link parseXml}. */
export interface ParseOptions {
  /**
   * The text passed this parser's validation before (the store knows the bytes it read or wrote
   * and checked), so the validator is not run again.
   * @default false
   */
  validated?: boolean;
}

/**
 * Parses `text` into a lossless tree. `source` names the file in error messages.
 * Well-formedness is checked with fast-xml-parser's validator first (unless `validated`), so
 * every error names the line and column of the problem. Elements' children are parsed lazily
 * (see {@link SourceElement}), which keeps one edit of a large file small in memory.
 */
export function parseXml(text: string, source: string, options: ParseOptions = {}): XmlDocument {
  const verdict = options.validated
    ? true
    : XMLValidator.validate(withoutDoctype(text), { allowBooleanAttributes: false });
  if (verdict !== true) {
    const { msg, line, col } = verdict.err;
    throw new ImsError(
      "XML_MALFORMED",
      `${source} is not well-formed XML at line ${line}, column ${col}: ${msg}`,
    );
  }
  let prolog = "";
  let i = 0;
  for (;;) {
    const lt = text.indexOf("<", i);
    if (lt < 0) throw malformed(source, text, 0, "no root element");
    prolog += text.slice(i, lt);
    const c = text[lt + 1];
    if (c !== "!" && c !== "?") {
      const { element, end } = elementAt(text, lt, text.length, source);
      const epilog = text.slice(end);
      if (/<[^!?]/.test(epilog)) {
        throw malformed(source, text, end + epilog.search(/<[^!?]/), "a second root element");
      }
      return { prolog, root: element, epilog };
    }
    const end = endOfMarkup(text, lt);
    if (end < 0) throw malformed(source, text, lt, "unterminated markup");
    prolog += text.slice(lt, end);
    i = end;
  }
}

function render(el: XmlElement, out: string[]): void {
  out.push(el.open);
  const untouched = el instanceof SourceElement ? el.untouchedContent() : undefined;
  if (untouched !== undefined) {
    out.push(untouched, el.close);
    return;
  }
  for (const c of el.children) {
    if (c.kind === "text") out.push(c.raw);
    else render(c, out);
  }
  out.push(el.close);
}

/**
 * The serialized text of a tree as pieces in order (slices of the source for untouched parts),
 * for writers that encode a large document piece by piece instead of joining it first.
 */
export function serializeParts(doc: XmlDocument): string[] {
  const out: string[] = [doc.prolog];
  render(doc.root, out);
  out.push(doc.epilog);
  return out;
}

/** Serializes a tree back to text; an unchanged tree gives back its source exactly. */
export function serializeXml(doc: XmlDocument): string {
  return serializeParts(doc).join("");
}

/** Serializes one element (with its subtree). */
export function serializeElement(el: XmlElement): string {
  const out: string[] = [];
  render(el, out);
  return out.join("");
}

/** The first child element of `el` named `name`, if any (stops there: no list is built). */
export function firstChildElement(el: XmlElement, name: string): XmlElement | undefined {
  for (const c of el.children) if (c.kind === "element" && c.name === name) return c;
  return undefined;
}

/** The element children of `el`, optionally only those named `name`. */
export function childElements(el: XmlElement, name?: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) {
    if (c.kind === "element" && (name === undefined || c.name === name)) out.push(c);
  }
  return out;
}
