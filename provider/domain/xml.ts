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

/** Index just past a DOCTYPE, which may carry an internal subset in brackets. */
function endOfDoctype(text: string, from: number): number {
  let depth = 0;
  let quote = "";
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === "[") {
      depth++;
    } else if (c === "]") {
      depth--;
    } else if (c === ">" && depth === 0) {
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

/**
 * Parses `text` into a lossless tree. `source` names the file in error messages.
 * Well-formedness is checked with fast-xml-parser's validator first, so every error names the
 * line and column of the problem.
 */
export function parseXml(text: string, source: string): XmlDocument {
  const verdict = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (verdict !== true) {
    const { msg, line, col } = verdict.err;
    throw new ImsError(
      "XML_MALFORMED",
      `${source} is not well-formed XML at line ${line}, column ${col}: ${msg}`,
    );
  }
  let prolog = "";
  let root: XmlElement | undefined;
  let epilog = "";
  const stack: XmlElement[] = [];
  const emit = (raw: string): void => {
    const top = stack[stack.length - 1];
    if (top) pushText(top.children, raw);
    else if (root) epilog += raw;
    else prolog += raw;
  };
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    if (lt < 0) {
      emit(text.slice(i));
      break;
    }
    if (lt > i) emit(text.slice(i, lt));
    let end: number;
    if (text.startsWith("<!--", lt)) {
      end = text.indexOf("-->", lt + 4);
      end = end < 0 ? -1 : end + 3;
    } else if (text.startsWith("<![CDATA[", lt)) {
      end = text.indexOf("]]>", lt + 9);
      end = end < 0 ? -1 : end + 3;
    } else if (text.startsWith("<?", lt)) {
      end = text.indexOf("?>", lt + 2);
      end = end < 0 ? -1 : end + 2;
    } else if (text.startsWith("<!", lt)) {
      end = endOfDoctype(text, lt + 2);
    } else {
      end = endOfTag(text, lt + 1);
      if (end < 0) throw malformed(source, text, lt, "unterminated tag");
      const raw = text.slice(lt, end);
      if (raw[1] === "/") {
        const name = raw.slice(2, -1).trim();
        const top = stack.pop();
        if (!top || top.name !== name) {
          throw malformed(source, text, lt, `unexpected </${name}>`);
        }
        top.close = raw;
      } else {
        const m = NAME_END.exec(raw.slice(1));
        const name = m ? raw.slice(1, 1 + m.index) : raw.slice(1, -1);
        const selfClosing = raw.endsWith("/>");
        const el: XmlElement = {
          kind: "element",
          name,
          open: raw,
          selfClosing,
          children: [],
          close: "",
        };
        const top = stack[stack.length - 1];
        if (top) top.children.push(el);
        else if (root) throw malformed(source, text, lt, "a second root element");
        else root = el;
        if (!selfClosing) stack.push(el);
      }
      i = end;
      continue;
    }
    if (end < 0) throw malformed(source, text, lt, "unterminated markup");
    emit(text.slice(lt, end));
    i = end;
  }
  if (stack.length > 0) {
    throw malformed(source, text, text.length, `<${stack[stack.length - 1].name}> is never closed`);
  }
  if (!root) throw malformed(source, text, 0, "no root element");
  return { prolog, root, epilog };
}

function render(el: XmlElement, out: string[]): void {
  out.push(el.open);
  for (const c of el.children) {
    if (c.kind === "text") out.push(c.raw);
    else render(c, out);
  }
  out.push(el.close);
}

/** Serializes a tree back to text; an unchanged tree gives back its source exactly. */
export function serializeXml(doc: XmlDocument): string {
  const out: string[] = [doc.prolog];
  render(doc.root, out);
  out.push(doc.epilog);
  return out.join("");
}

/** Serializes one element (with its subtree). */
export function serializeElement(el: XmlElement): string {
  const out: string[] = [];
  render(el, out);
  return out.join("");
}

/** The element children of `el`, optionally only those named `name`. */
export function childElements(el: XmlElement, name?: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) {
    if (c.kind === "element" && (name === undefined || c.name === name)) out.push(c);
  }
  return out;
}
