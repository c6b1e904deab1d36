import { escapeText, startTag } from "./attrs";
import type { XmlElement, XmlNode } from "./xml";

/** A new element with the given attributes (undefined values left out) and no children yet. */
export function newElement(
  name: string,
  attrs: ReadonlyArray<[string, string | undefined]> = [],
): XmlElement {
  return {
    kind: "element",
    name,
    open: startTag(name, attrs, true),
    selfClosing: true,
    children: [],
    close: "",
  };
}

/** A new text-only element such as `<network-name>localhost</network-name>`. */
export function newTextElement(name: string, text: string): XmlElement {
  return {
    kind: "element",
    name,
    open: `<${name}>`,
    selfClosing: false,
    children: [{ kind: "text", raw: escapeText(text) }],
    close: `</${name}>`,
  };
}

/** The text content of a text-only element, trimmed. */
export function textOf(el: XmlElement): string {
  return el.children
    .map((c) => (c.kind === "text" ? c.raw : ""))
    .join("")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .trim();
}

/** Whitespace after the last line break of a text node, i.e. the indentation of what follows it. */
function trailingIndent(node: XmlNode | undefined): string | undefined {
  if (!node || node.kind !== "text") return undefined;
  const nl = node.raw.lastIndexOf("\n");
  if (nl < 0) return undefined;
  const tail = node.raw.slice(nl + 1);
  return /^[ \t]*$/.test(tail) ? tail : undefined;
}

/**
 * The line ending of the document around these elements (innermost first): CRLF when the first
 * line break found in their text is `\r\n`, else LF. New lines follow the file's own.
 */
function eolAround(elements: readonly XmlElement[]): string {
  for (const el of elements) {
    for (const c of el.children) {
      if (c.kind !== "text") continue;
      const nl = c.raw.indexOf("\n");
      if (nl >= 0) return c.raw[nl - 1] === "\r" ? "\r\n" : "\n";
    }
  }
  return "\n";
}

/** Indentation of `el` inside `parent` ("" when it is not at the start of a line). */
function indentOf(parent: XmlElement | undefined, el: XmlElement): string {
  if (!parent) return "";
  const i = parent.children.indexOf(el);
  return trailingIndent(parent.children[i - 1]) ?? "";
}

/**
 * Appends `child` as the last element child of the last element of `path` (root first), indented
 * like its element siblings, or one level deeper than the parent when it has none (the level is
 * taken from the parent's own indentation relative to its parent). A self-closing parent is
 * opened. Removing the child again with {@link removeChild} gives back the exact previous text.
 */
export function appendChild(path: readonly XmlElement[], child: XmlElement): void {
  const parent = path[path.length - 1];
  const grand = path[path.length - 2];
  const parentIndent = indentOf(grand, parent);
  const eol = eolAround([...path].reverse());
  const elements = parent.children.filter((c): c is XmlElement => c.kind === "element");
  const last = elements[elements.length - 1];
  if (last) {
    const indent = indentOf(parent, last);
    const at = parent.children.indexOf(last) + 1;
    parent.children.splice(at, 0, { kind: "text", raw: `${eol}${indent}` }, child);
    return;
  }
  const great = path[path.length - 3];
  const grandIndent = grand ? indentOf(great, grand) : "";
  let unit = parentIndent.startsWith(grandIndent) ? parentIndent.slice(grandIndent.length) : "";
  if (unit === "") unit = parentIndent.includes("\t") ? "\t" : "    ";
  if (parent.selfClosing) {
    parent.open = parent.open.replace(/\s*\/>$/, ">");
    parent.selfClosing = false;
    parent.close = `</${parent.name}>`;
  }
  parent.children.unshift({ kind: "text", raw: `${eol}${parentIndent}${unit}` }, child);
  if (parent.children.length === 2)
    parent.children.push({ kind: "text", raw: `${eol}${parentIndent}` });
}

/**
 * Removes `child` from `parent` together with the line break and indentation before it, so that a
 * child added by {@link appendChild} leaves no trace.
 */
export function removeChild(parent: XmlElement, child: XmlElement): void {
  const i = parent.children.indexOf(child);
  if (i < 0) return;
  const before = parent.children[i - 1];
  let from = i;
  if (before && before.kind === "text") {
    let nl = before.raw.lastIndexOf("\n");
    if (nl > 0 && before.raw[nl - 1] === "\r") nl--;
    const tail = nl >= 0 ? before.raw.slice(nl) : before.raw;
    if (/^\s*$/.test(tail)) {
      const keep = before.raw.slice(0, before.raw.length - tail.length);
      if (keep === "") from = i - 1;
      else before.raw = keep;
    }
  }
  parent.children.splice(from, i - from + 1);
  // Text on both sides of the removed element now touch: merge them to keep the tree canonical.
  const left = parent.children[from - 1];
  const right = parent.children[from];
  if (left && right && left.kind === "text" && right.kind === "text") {
    left.raw += right.raw;
    parent.children.splice(from, 1);
  }
}

/** True when `el` holds nothing but whitespace (no elements, comments or text). */
export function isBlank(el: XmlElement): boolean {
  return el.children.every((c) => c.kind === "text" && c.raw.trim() === "");
}

/**
 * Inserts `child` right before the element `ref` of `parent`, on its own line with the same
 * indentation as `ref`. {@link removeChild} takes it out again without a trace.
 */
export function insertBefore(parent: XmlElement, child: XmlElement, ref: XmlElement): void {
  const i = parent.children.indexOf(ref);
  const indent = trailingIndent(parent.children[i - 1]) ?? "";
  parent.children.splice(i, 0, child, { kind: "text", raw: `${eolAround([parent])}${indent}` });
}

/** Replaces the text content of a text-only element. Returns true when it changed. */
export function setText(el: XmlElement, text: string): boolean {
  if (textOf(el) === text) return false;
  el.children = [{ kind: "text", raw: escapeText(text) }];
  if (el.selfClosing) {
    el.open = el.open.replace(/\s*\/>$/, ">");
    el.selfClosing = false;
    el.close = `</${el.name}>`;
  }
  return true;
}

/**
 * Closes `el` back into `<name .../>` when nothing but the line break {@link appendChild} put
 * before its end tag is left, so that removing the last child of a parent that child opened gives
 * back the parent as it was. (`grand` is the parent of `el`, for its indentation.)
 */
export function collapseIfEmptied(grand: XmlElement, el: XmlElement): void {
  if (el.selfClosing) return;
  const only = el.children.length === 1 ? el.children[0] : undefined;
  const eol = eolAround([el, grand]);
  if (!only || only.kind !== "text" || only.raw !== `${eol}${indentOf(grand, el)}`) return;
  el.children = [];
  el.open = el.open.replace(/>$/, "/>");
  el.selfClosing = true;
  el.close = "";
}
