// The refusal of a delete whose element still holds children. The provider cannot tell whether
// the engine manages them: resources of this stack that name their parent as a plain string (a
// program written from `pulumi import` output before it referenced parents) record no dependency,
// so the engine may delete the parent first. The message gives the fix for both cases.

/** What a NOT_OWNED refusal says: the element, what it holds, and what to do either way. */
export interface Held {
  /** The element being deleted, as `describe` gives it: `<server-pool name="cloud">`. */
  element: string;
  /** The domain.xml as messages name it (`shownFile`: with its DAS host when remote). */
  file: string;
  /** Each child in the way, as `describe` gives it. */
  children: readonly string[];
  /** The children's input that names this element: `serverPool`. */
  parentInput: string;
  /** How to remove such a child by hand: `asadmin delete-machine ...`. */
  byHand: string;
  /** What the element is called in "keep the ... with retainOnDelete": `pool`. */
  noun: string;
}

/**
 * The NOT_OWNED message of a delete that meets children. It never claims they are not the
 * stack's: when they are, referencing this element from them gives the engine the order.
 */
export function stillHolds(h: Held): string {
  return `${h.element} in ${h.file} still holds ${h.children.join(", ")}, which must go first: if they are resources of this stack, give them this ${h.noun} as a reference (${h.parentInput}: the resource in code, its ID in YAML, such as \${<name>.id}, as pulumi import generates; a plain name gives the engine no order), run pulumi up, then destroy again; if they are not, remove them (${h.byHand}) or keep the ${h.noun} with retainOnDelete`;
}
