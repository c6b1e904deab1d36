// One declaration per field: each resource states its inputs once, in a field table, and its
// diff keys, replace list, check rules and attribute mapping are derived here from that table
// (the schema and the README tables too, see ../schema.ts).
import type { DasConnection } from "../remote/connection";
import type { KindPlace } from "./ids";
import { integerOrRaw, normalizeInputs, trimmed, type AttributeField } from "./common";
import {
  booleanRule,
  hideSecrets,
  isUnknown,
  requireValid,
  runRules,
  unknownFailures,
  type CheckFailure,
  type Rule,
} from "./rules";

/** The kinds of value a field holds, as the package schema names them. */
export type FieldType = "string" | "integer" | "boolean" | "string[]" | "connection";

/** The {@link FieldType} of a TypeScript value type (never when none fits). */
export type TypeName<V> = [V] extends [DasConnection]
  ? "connection"
  : [V] extends [boolean]
    ? "boolean"
    : [V] extends [number]
      ? "integer"
      : [V] extends [string]
        ? "string"
        : [V] extends [readonly string[]]
          ? "string[]"
          : never;

/** A field written as an attribute of the resource's element. */
export interface AttributePlace {
  /** The attribute's XML name. */
  attr: string;
  /**
   * The element's key (its `name`): written when the element is created and used to find it,
   * never rewritten (a change replaces) nor read back as drift.
   */
  key?: true;
}

/** A field written as a text child element (`<network-name>localhost</network-name>`). */
export interface TextPlace {
  /** The text child's element name. */
  text: string;
}

/** Where a field lives in domain.xml. */
export type XmlPlace = AttributePlace | TextPlace;

/** True for an optional string: what a text child, which may be absent, holds. */
type IsOptionalString<V> = [V] extends [string | undefined]
  ? undefined extends V
    ? true
    : false
  : false;

/** The keys of `T` whose values are optional strings. */
export type OptionalStringKeys<T> = {
  [K in keyof T & string]-?: IsOptionalString<T[K]> extends true ? K : never;
}[keyof T & string];

/**
 * What a change of the field does: replace the element, update it in place, or nothing (`diff`
 * does not compare the field).
 */
export type Change = "replace" | "update" | "none";

/**
 * Who gives the field. `argument`: the program (a member of the SDK's `Args`). `parent`: the SDK,
 * from the parent resource (an ancestor's name). `internal`: the SDK, for `check` only; neither
 * documented nor in the schema. `dynamic`: the program in the dynamic mode (the plugin takes it
 * as provider configuration), so not in the schema's resource inputs.
 */
export type Exposure = "argument" | "parent" | "internal" | "dynamic";

/** One input of a resource, declared once. `T` is the resource's inputs, `V` the field's type. */
export interface Field<T, V> {
  /** The value's kind; the compiler checks it against the inputs interface. */
  type: TypeName<NonNullable<V>>;
  /** One line for the README table and the schema: what the value is and what is allowed. */
  doc: string;
  /** `check` fails when it is absent (the SDK may still fill it, see `default`). @default false */
  required?: boolean;
  /**
   * The documented default (README and schema), e.g. `the resource name` or `` `true` ``.
   * @default `fill` or `absent` as code, else "required" for a required field
   */
  default?: string;
  /** The value `check` gives the input when it is absent. */
  fill?: NonNullable<V>;
  /**
   * Where the value is written in domain.xml (a text child only for an optional string); absent
   * for a field that is not written.
   */
  xml?: IsOptionalString<V> extends true ? XmlPlace : AttributePlace;
  /**
   * The attribute text the inputs write (undefined: the attribute is removed).
   * @default the value as text, a list `;`-joined
   */
  write?: (inputs: T) => string | undefined;
  /**
   * The input value an absent attribute means, for reading drift back: a file that spells it out
   * is not drift. @default undefined (no value)
   */
  absent?: V;
  /** The validation rule, made for the field's name; the field's `required` overrides the rule's. */
  rule?: (property: string) => Rule;
  /** What a change does. */
  change: Change;
  /**
   * An ancestor above the direct parent, which the SDK knows only when the parent is given as a
   * resource: `diff` compares it only when both sides have it. @default false
   */
  ancestor?: boolean;
  /** Recorded in the state. @default true unless `change` is `none` */
  stored?: boolean;
  /** `check` trims it (each element of a list). @default false */
  trim?: boolean;
  /**
   * The canonical form `check` stores once the rules ran (a string value, known), also applied to
   * a text child read back from the file.
   */
  canonical?: (value: string) => string;
  /** Who gives it. @default "argument" */
  exposure?: Exposure;
  /**
   * Secret in the schema; in dynamic mode the SDK class asks for it (`withSecretOutputs`, which
   * a test checks against the table). @default false
   */
  secret?: boolean;
}

/**
 * A resource's field table: one entry per member of its inputs interface `T`, in the order
 * `check` runs the rules and `diff` compares. The compiler refuses a missing or an extra member.
 */
export type FieldTable<T> = { [K in keyof T & string]-?: Field<T, T[K]> };

/** Any field of a table for inputs `T`. */
export type AnyField<T> = FieldTable<T>[keyof T & string];

/** One output of a resource beyond its stored inputs. */
export type OutputField<V> = {
  /** The value's kind. */
  type: TypeName<NonNullable<V>>;
  /** One line for the schema. */
  doc: string;
  /** Secret, as {@link Field.secret}. @default false */
  secret?: boolean;
  /**
   * False for an output kept in the state only: the SDK neither declares nor seeds it (each
   * seeded property costs the program an Output per resource).
   * @default true
   */
  seeded?: boolean;
} & (undefined extends V
  ? {
      /** Not always set; the compiler checks it against the outputs interface. */
      optional: true;
    }
  : { optional?: false });

/** The outputs of `O` that are not inputs of `I`. */
export type OutputsOnly<O, I> = Omit<O, keyof I>;

/** A resource's outputs beyond its inputs, one entry per member of `X`, complete. */
export type OutputTable<X> = { [K in keyof X & string]-?: OutputField<X[K]> };

/**
 * One resource, declared once: its type name, a description and its field and output tables.
 * `T` is its inputs, `X` its outputs beyond them.
 */
export interface ResourceSpec<T, X> extends KindPlace {
  /** The type name in its tokens, e.g. `Virtualization`. */
  type: string;
  /** What the resource is, for the schema (markdown). */
  doc: string;
  /** Its inputs. */
  fields: FieldTable<T>;
  /** Its outputs beyond the stored inputs. */
  outputs: OutputTable<X>;
  /** Attributes every element gets with a fixed value, written before the fields'. */
  fixed?: ReadonlyArray<readonly [string, string]>;
  /**
   * The managed attributes in the order a new element gets them, when it is not the table's
   * (a test checks it lists exactly the table's attributes).
   */
  attributeOrder?: readonly string[];
}

/** A table's fields with their names, in table order. */
export function fieldsOf<T>(table: FieldTable<T>): Array<[keyof T & string, AnyField<T>]> {
  // Object.entries types its keys as plain strings; they are the table's keys.
  return Object.entries(table) as Array<[keyof T & string, AnyField<T>]>;
}

function namesWhere<T>(
  table: FieldTable<T>,
  test: (f: AnyField<T>) => boolean,
): Array<keyof T & string> {
  return fieldsOf(table)
    .filter(([, f]) => test(f))
    .map(([name]) => name);
}

/** The keys `diff` compares, in table order. */
export function diffKeys<T>(table: FieldTable<T>): Array<keyof T & string> {
  return namesWhere(table, (f) => f.change !== "none");
}

/** The keys whose change replaces the element. */
export function replaceKeys<T>(table: FieldTable<T>): Array<keyof T & string> {
  return namesWhere(table, (f) => f.change === "replace");
}

/** The ancestors `diff` compares only when both sides have them. */
export function ancestorKeys<T>(table: FieldTable<T>): Array<keyof T & string> {
  return namesWhere(table, (f) => f.ancestor === true);
}

/** True when the field is recorded in the state. */
export function isStored(f: { change: Change; stored?: boolean }): boolean {
  return f.stored ?? f.change !== "none";
}

/** The keys recorded in the state, in table order. */
export function storedKeys<T>(table: FieldTable<T>): Array<keyof T & string> {
  return namesWhere(table, isStored);
}

/** The check rules, in table order, each with the field's `required`. */
export function rulesOf<T>(table: FieldTable<T>): Rule[] {
  return fieldsOf(table).flatMap(([name, f]) =>
    f.rule ? [{ ...f.rule(name), required: f.required === true }] : [],
  );
}

/**
 * The inputs of `check`: normalized (see normalizeInputs; the `trim` fields trimmed, each element
 * of a list), absent fields given their `fill`, then validated by the table's rules, every
 * failure at once, and put in canonical form. Unknown values stay as they are.
 */
export function checkFields<T>(
  table: FieldTable<T>,
  news: Record<string, unknown>,
): { inputs: Record<string, unknown>; failures: CheckFailure[] } {
  const fields = fieldsOf(table);
  const trim = fields.filter(([, f]) => f.trim);
  const inputs = normalizeInputs(
    news,
    trim.filter(([, f]) => f.type !== "string[]").map(([name]) => name),
  );
  for (const [name, f] of trim) {
    const v = inputs[name];
    if (f.type === "string[]" && Array.isArray(v)) inputs[name] = v.map(trimmed);
  }
  for (const [name, f] of fields) {
    if (f.fill !== undefined && inputs[name] === undefined) inputs[name] = f.fill;
  }
  const secret = fields.filter(([, f]) => f.secret).map(([name]) => name);
  const failures = hideSecrets(runRules(inputs, rulesOf(table)), secret);
  for (const [name, f] of fields) {
    const v = inputs[name];
    if (f.canonical && typeof v === "string" && !isUnknown(v)) inputs[name] = f.canonical(v);
  }
  return { inputs, failures };
}

/**
 * The inputs of a write (`create`, `update`), checked and normalized by the same field rules as
 * `check` (plus `more`, the resource's own cross-field rules): INVALID_INPUT naming every failure,
 * before anything is read or written.
 */
export function validated<I extends object, T>(
  kind: string,
  table: FieldTable<T>,
  given: I,
  more: (inputs: Record<string, unknown>) => CheckFailure[] = () => [],
): I {
  const raw = given as Record<string, unknown>;
  const { inputs, failures } = checkFields(table, raw);
  requireValid(kind, [...unknownFailures(raw), ...failures, ...more(inputs)]);
  return inputs as I;
}

/** Parses attribute text into the field's type (see integerOrRaw; a list is `;`-separated). */
function parserOf(type: FieldType): ((raw: string) => unknown) | undefined {
  if (type === "integer") return integerOrRaw;
  if (type === "string[]") return (raw) => raw.split(";");
  return undefined;
}

/** The managed attributes (all but the key) and the inputs they read back into, for drift. */
export function attributeFields<T>(table: FieldTable<T>): AttributeField[] {
  return fieldsOf(table).flatMap(([name, f]) => {
    if (!f.xml || !("attr" in f.xml) || f.xml.key) return [];
    const parse = parserOf(f.type);
    return [
      {
        input: name,
        attr: f.xml.attr,
        ...(parse ? { parse } : {}),
        ...(f.absent !== undefined ? { absent: f.absent } : {}),
      },
    ];
  });
}

/** The value as attribute text: undefined stays undefined, a list is `;`-joined. */
function asText(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(";") : String(v);
}

/**
 * The managed attributes the inputs write, in the order a new element gets them: the fixed ones,
 * then the fields' (in `attributeOrder`, else table order); undefined removes an attribute.
 */
export function desiredAttributes<T>(
  spec: ResourceSpec<T, unknown>,
  inputs: T,
): Array<[string, string | undefined]> {
  const written = fieldsOf(spec.fields).flatMap(([name, f]) =>
    f.xml && "attr" in f.xml && !f.xml.key
      ? [
          [f.xml.attr, f.write ? f.write(inputs) : asText(inputs[name])] as [
            string,
            string | undefined,
          ],
        ]
      : [],
  );
  const order = spec.attributeOrder;
  if (order) written.sort(([a], [b]) => order.indexOf(a) - order.indexOf(b));
  return [...(spec.fixed ?? []).map(([a, v]): [string, string] => [a, v]), ...written];
}

/** The attributes of a new element: its key first, then {@link desiredAttributes}. */
export function newAttributes<T>(
  spec: ResourceSpec<T, unknown>,
  inputs: T,
): Array<[string, string | undefined]> {
  const keys = fieldsOf(spec.fields).flatMap(([name, f]) =>
    f.xml && "attr" in f.xml && f.xml.key
      ? [[f.xml.attr, String(inputs[name])] as [string, string]]
      : [],
  );
  return [...keys, ...desiredAttributes(spec, inputs)];
}

/** A text child: its element name, the input it holds, and that input's canonical form. */
export interface TextChild<T> {
  /** The element name, e.g. `network-name`. */
  tag: string;
  /** The input it holds. */
  input: OptionalStringKeys<T>;
  /** The input's canonical form (see {@link Field.canonical}). */
  canonical?: (value: string) => string;
}

/** The text children, in table order (for a machine, GlassFish's order). */
export function textChildren<T>(table: FieldTable<T>): Array<TextChild<T>> {
  return fieldsOf(table).flatMap(([name, f]) =>
    // Field.xml admits a text place only for an optional string field.
    f.xml && "text" in f.xml
      ? [
          {
            tag: f.xml.text,
            input: name as OptionalStringKeys<T>,
            ...(f.canonical ? { canonical: f.canonical } : {}),
          },
        ]
      : [],
  );
}

/** The key lists a resource's code uses, derived from its table. */
export interface Keys<T> {
  /** What `diff` compares, in table order. */
  diff: Array<keyof T & string>;
  /** What replaces the element. */
  replace: Array<keyof T & string>;
  /** The ancestors compared only when both sides have them. */
  ancestors: Array<keyof T & string>;
  /** What the state records. */
  stored: Array<keyof T & string>;
}

/** Every key list of a table. */
export function keysOf<T>(table: FieldTable<T>): Keys<T> {
  return {
    diff: diffKeys(table),
    replace: replaceKeys(table),
    ancestors: ancestorKeys(table),
    stored: storedKeys(table),
  };
}

/** The `adopt` input every resource takes; `element` names what it takes over. */
export function adoptField<T>(element: string): Field<T, boolean | undefined> {
  return {
    type: "boolean",
    doc: `take over an existing ${element} of the same name instead of failing with ALREADY_EXISTS`,
    default: "`false`",
    rule: booleanRule,
    change: "update",
  };
}

/** The `allowUnsupportedGlassFish` input every resource takes (not compared by `diff`). */
export function allowUnsupportedField<T>(): Field<T, boolean | undefined> {
  return {
    type: "boolean",
    doc: "write even into a domain stamped by a GlassFish release without IMS, which ignores or undoes it (else GLASSFISH_WITHOUT_IMS)",
    default: "`false`",
    rule: booleanRule,
    change: "none",
  };
}

/**
 * The `parentInProgram` input: set by the SDK when the parent comes from the program, so that
 * preview does not require it in the file yet. Neither compared nor stored.
 */
export function parentInProgramField<T>(): Field<T, boolean | undefined> {
  return {
    type: "boolean",
    doc: "set by the SDK when the parent comes from the program (it may not be in the file at preview)",
    rule: booleanRule,
    change: "none",
    exposure: "internal",
  };
}

/** The outputs every resource records. */
export const COMMON_OUTPUTS = {
  restartRequired: {
    type: "boolean",
    doc: "true when the last operation changed domain.xml: GlassFish must (re)start to see it",
  },
  xmlDigest: {
    type: "string",
    doc: "a short digest of what the resource owns of its element; it changes exactly when that does, a trigger for a domain restart",
  },
  stateVersion: {
    type: "integer",
    doc: "version of the state's shape, for later code reading older state",
    seeded: false,
  },
} as const satisfies OutputTable<{ restartRequired: boolean; xmlDigest: string; stateVersion: 1 }>;
