import type { XmlElement } from "./xml";

/** One attribute of a start tag, with the source offsets of its raw text. */
interface RawAttribute {
  name: string;
  value: string;
  /** Offset in the start tag where the leading whitespace of this attribute begins. */
  start: number;
  /** Offset just past the closing quote. */
  end: number;
  /** Offset of the first character of the (escaped) value, and just past it. */
  valueStart: number;
  valueEnd: number;
}

const ATTRIBUTE = /(\s+)([^\s=/>]+)\s*=\s*("([^"]*)"|'([^']*)')/g;

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decode(raw: string): string {
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith("#x")) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith("#")) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? whole;
  });
}

/** Escapes a value for a double-quoted attribute; whitespace controls become references so they survive. */
export function escapeAttribute(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/\t/g, "&#9;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;");
}

/** Escapes character data. */
export function escapeText(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * The attributes last scanned per element, with the start tag they came from: looking up the
 * names of thousands of siblings (placing an element in name order) then parses each start tag
 * once, not once per lookup. A pure memo, kept on the element itself (a property lookup, several
 * times cheaper than a WeakMap's); an element whose start tag changed is scanned again.
 */
const SCANNED = Symbol("glassfish-ims.scanned-attributes");

interface Scanned {
  open: string;
  attributes: readonly RawAttribute[];
}

function attributesOf(el: XmlElement): readonly RawAttribute[] {
  const holder = el as XmlElement & { [SCANNED]?: Scanned };
  const hit = holder[SCANNED];
  if (hit !== undefined && hit.open === el.open) return hit.attributes;
  const attributes = scan(el.open);
  Object.defineProperty(holder, SCANNED, {
    value: { open: el.open, attributes },
    enumerable: false,
    configurable: true,
    writable: true,
  });
  return attributes;
}

function scan(open: string): RawAttribute[] {
  const out: RawAttribute[] = [];
  ATTRIBUTE.lastIndex = 0;
  for (let m = ATTRIBUTE.exec(open); m; m = ATTRIBUTE.exec(open)) {
    const valueEnd = m.index + m[0].length - 1;
    const raw = m[4] ?? m[5] ?? "";
    out.push({
      name: m[2],
      value: decode(raw),
      start: m.index,
      end: m.index + m[0].length,
      valueStart: valueEnd - raw.length,
      valueEnd,
    });
  }
  return out;
}

/** The attributes of an element, decoded, in source order. */
export function getAttributes(el: XmlElement): Map<string, string> {
  return new Map(attributesOf(el).map((a) => [a.name, a.value]));
}

/** One attribute's decoded value, or undefined when absent. */
export function getAttribute(el: XmlElement, name: string): string | undefined {
  return attributesOf(el).find((a) => a.name === name)?.value;
}

/**
 * Sets (string) or removes (undefined) attributes in place. Attributes not named keep their exact
 * text; a changed value keeps its quote character and position; new attributes are appended in
 * the order given. Returns true when the start tag changed.
 */
export function setAttributes(
  el: XmlElement,
  changes: ReadonlyArray<[string, string | undefined]>,
): boolean {
  let open = el.open;
  for (const [name, value] of changes) {
    const found = scan(open).find((a) => a.name === name);
    if (found && value === undefined) {
      open = open.slice(0, found.start) + open.slice(found.end);
    } else if (found && value !== undefined) {
      if (found.value === value) continue;
      const quote = open[found.valueEnd];
      const escaped =
        quote === "'" ? escapeAttribute(value).replace(/'/g, "&apos;") : escapeAttribute(value);
      open = open.slice(0, found.valueStart) + escaped + open.slice(found.valueEnd);
    } else if (value !== undefined) {
      const tail = el.selfClosing ? open.lastIndexOf("/") : open.length - 1;
      // Keep `<a x="1" />` spacing: insert before the whitespace that precedes `/>`.
      let at = tail;
      while (at > 0 && /\s/.test(open[at - 1])) at--;
      open = `${open.slice(0, at)} ${name}="${escapeAttribute(value)}"${open.slice(at)}`;
    }
  }
  if (open === el.open) return false;
  el.open = open;
  return true;
}

/** A new start tag with the given attributes (values escaped, undefined ones left out). */
export function startTag(
  name: string,
  attrs: ReadonlyArray<[string, string | undefined]>,
  selfClosing: boolean,
): string {
  const parts = attrs
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeAttribute(v as string)}"`);
  return `<${name}${parts.join("")}${selfClosing ? "/>" : ">"}`;
}
