// What the field tables say to the outside: the Pulumi package schema (schema.json) and the
// README's input tables. Pure functions of the tables; scripts/generate.ts writes the files and a
// unit test checks that the committed ones are what these functions give.
import {
  isStored,
  type Change,
  type Exposure,
  type FieldType,
  type XmlPlace,
} from "./resources/fields";
import { KINDS } from "./resources/kinds";

/** What the schema and the README show of a field (a view of resources/fields.ts's `Field`). */
export interface FieldDoc {
  /** The value's kind. */
  type: FieldType;
  /** One line: what the value is and what is allowed. */
  doc: string;
  /** `check` fails without it. */
  required?: boolean;
  /** The documented default. */
  default?: string;
  /** The value `check` fills in. */
  fill?: unknown;
  /** Where it is written in domain.xml. */
  xml?: XmlPlace;
  /** The input value an absent attribute means. */
  absent?: unknown;
  /** What a change does. */
  change: Change;
  /** An ancestor above the direct parent, compared only when both sides have it. */
  ancestor?: boolean;
  /** Recorded in the state. */
  stored?: boolean;
  /** Who gives it. */
  exposure?: Exposure;
  /** Secret. */
  secret?: boolean;
}

/** What the schema shows of an output. */
export interface OutputDoc {
  /** The value's kind. */
  type: FieldType;
  /** One line. */
  doc: string;
  /** Not always set. */
  optional?: boolean;
  /** Secret. */
  secret?: boolean;
  /** False when the SDK does not seed it (kept in the state only). */
  seeded?: boolean;
}

/** What the schema and the README show of a resource (a view of `ResourceSpec`). */
export interface ResourceDoc {
  /** The type name, e.g. `Virtualization`. */
  type: string;
  /** What it is. */
  doc: string;
  /** Its inputs, in table order. */
  fields: Readonly<Record<string, FieldDoc>>;
  /** Its outputs beyond the stored inputs. */
  outputs: Readonly<Record<string, OutputDoc>>;
}

/** Every resource, in the order the README and the schema list them (the registry's). */
export const RESOURCES: readonly ResourceDoc[] = KINDS.map((k) => k.spec);

/** The package's name in its schema and type tokens (`glassfish-ims:index:<Type>`). */
export const PACKAGE = "glassfish-ims";

/**
 * The import path of the generated Go SDK (scripts/gen-sdks.sh writes it to sdks/go/glassfishims;
 * the release ships that module as `glassfish-ims-go-v<version>.tar.gz`, used with a `replace`).
 */
export const GO_IMPORT_PATH = "github.com/glassfish-ims/glassfish-ims/sdks/go/glassfishims";

/** The npm package (the dynamic mode, and the generated Node.js SDK under `dist/plugin-sdk`). */
export const NPM_PACKAGE = "glassfish-ims";

/** The Python package of the generated SDK (PyPI name and import name). */
export const PYTHON_PACKAGE = "pulumi_glassfish_ims";

/** The dynamic provider's type token of a resource, which the schema's alias names. */
export function dynamicToken(type: string): string {
  return `pulumi-nodejs:dynamic/${PACKAGE}:${type}`;
}

/** The field's documented default: its own, else "required", its fill, or what absence means. */
export function defaultOf(f: FieldDoc): string | undefined {
  if (f.default !== undefined) return f.default;
  if (f.required) return "required";
  if (f.fill !== undefined) return code(f.fill);
  if (f.xml && "attr" in f.xml && f.absent !== undefined) {
    return `${code(f.absent)} (not written unless set)`;
  }
  return undefined;
}

function code(v: unknown): string {
  return `\`${typeof v === "string" ? v : JSON.stringify(v)}\``;
}

/** `doc` as a sentence: capitalized, with a final period. */
function sentence(doc: string): string {
  const s = doc.charAt(0).toUpperCase() + doc.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

function schemaType(type: FieldType): Record<string, unknown> {
  if (type === "connection") return { $ref: "#/types/glassfish-ims:index:Connection" };
  return type === "string[]" ? { type: "array", items: { type: "string" } } : { type };
}

function inSchema(f: FieldDoc): boolean {
  const exposure = f.exposure ?? "argument";
  return exposure !== "internal" && exposure !== "dynamic";
}

function fieldProperty(f: FieldDoc, asInput: boolean): Record<string, unknown> {
  const d = defaultOf(f);
  return {
    ...schemaType(f.type),
    description: sentence(f.doc) + (d !== undefined && d !== "required" ? ` Default: ${d}.` : ""),
    ...(f.secret ? { secret: true } : {}),
    ...(asInput && f.change === "replace" ? { willReplaceOnChanges: true } : {}),
  };
}

/** One resource of the package schema. */
export function resourceSchema(r: ResourceDoc): Record<string, unknown> {
  const fields = Object.entries(r.fields).filter(([, f]) => inSchema(f));
  const stored = fields.filter(([, f]) => isStored(f));
  const outputs = Object.entries(r.outputs);
  return {
    description: r.doc,
    properties: Object.fromEntries([
      ...stored.map(([name, f]) => [name, fieldProperty(f, false)]),
      ...outputs.map(([name, o]) => [
        name,
        {
          ...schemaType(o.type),
          description: sentence(o.doc),
          ...(o.secret ? { secret: true } : {}),
        },
      ]),
    ]),
    required: [
      ...stored.filter(([, f]) => f.required || f.fill !== undefined).map(([name]) => name),
      ...outputs.filter(([, o]) => !o.optional).map(([name]) => name),
    ],
    inputProperties: Object.fromEntries(fields.map(([name, f]) => [name, fieldProperty(f, true)])),
    // Required of the program: the SDK (or the provider) fills a field that has a default.
    requiredInputs: fields
      .filter(([, f]) => f.required && f.default === undefined)
      .map(([name]) => name),
    aliases: [{ type: dynamicToken(r.type) }],
  };
}

/** What the schema takes from package.json (the one place the release metadata is kept). */
export interface PackageInfo {
  /** The package version (semver), stamped into the schema and every release artifact. */
  version: string;
  /** One line on what the package does. */
  description: string;
  /** The SPDX license. */
  license: string;
  /** The package's home page. */
  homepage?: string;
  /** Where the source lives. */
  repository?: { type?: string; url: string } | string;
  /** Search words; the schema adds Pulumi's `category/` and `kind/` ones. */
  keywords?: string[];
  /** Who publishes it (the schema's `publisher`). */
  author?: { name: string } | string;
  /**
   * Where the engine downloads the plugin from when a program needs it and it is not installed:
   * a folder holding `pulumi-resource-glassfish-ims-v<version>-<os>-<arch>.tar.gz`, where the
   * engine replaces `${VERSION}`, `${OS}` and `${ARCH}`. The committed value is a placeholder under
   * the reserved `.example` top-level domain (it never resolves, so nothing is ever fetched from
   * it by mistake) that the organization hosting the release replaces.
   */
  pluginDownloadURL?: string;
}

function nameOf(v: { name: string } | string | undefined): string | undefined {
  return typeof v === "string" ? v.replace(/\s*[<(].*$/, "") : v?.name;
}

function urlOf(v: { url: string } | string | undefined): string | undefined {
  const url = typeof v === "string" ? v : v?.url;
  return url?.replace(/^git\+/, "").replace(/\.git$/, "");
}

/** The token of the connection object type. */
const CONNECTION_TYPE = `${PACKAGE}:index:Connection`;

/** The connection's fields: type and one line each, for the schema (secrets marked). */
const CONNECTION_FIELDS: ReadonlyArray<[string, Record<string, unknown>, string]> = [
  ["host", { type: "string" }, "host name or address of the DAS host"],
  ["port", { type: "integer" }, "SSH port. Default: 22"],
  ["user", { type: "string" }, "user to log in as. Default: root"],
  ["privateKey", { type: "string", secret: true }, "private key (its content, OpenSSH or PEM)"],
  ["privateKeyPassword", { type: "string", secret: true }, "passphrase of privateKey"],
  ["password", { type: "string", secret: true }, "password of user"],
  [
    "agentSocketPath",
    { type: "string" },
    "ssh-agent socket. Default: SSH_AUTH_SOCK when no key or password is given",
  ],
  ["proxy", { $ref: `#/types/${CONNECTION_TYPE}` }, "a bastion to dial the host through"],
  ["dialErrorLimit", { type: "integer" }, "dials tried before failing. Default: 10"],
  ["perDialTimeout", { type: "integer" }, "seconds one dial may take. Default: 15"],
  ["hostKey", { type: "string" }, "the host's public key(s), authorized_keys format"],
  ["knownHosts", { type: "string" }, "known_hosts content naming the host"],
  [
    "insecureIgnoreHostKey",
    { type: "boolean" },
    "accept any host key: an explicit opt-out of host-key verification. Default: false",
  ],
];

function connectionType(): Record<string, unknown> {
  return {
    type: "object",
    description:
      "How to reach the DAS host that holds domain.xml over SSH. Host keys are verified by default: pin hostKey or knownHosts.",
    properties: Object.fromEntries(
      CONNECTION_FIELDS.map(([name, type, doc]) => [name, { ...type, description: sentence(doc) }]),
    ),
    required: ["host"],
  };
}

const CONNECTION_CONFIG = {
  connection: {
    $ref: `#/types/${CONNECTION_TYPE}`,
    description:
      "The DAS host that holds every resource's domain.xml, reached over SSH (absent: this machine). One explicit provider per DAS host.",
    secret: true,
  },
};

/** The Pulumi package schema of every resource (`schema.json`). */
export function packageSchema(
  pkg: PackageInfo,
  resources: readonly ResourceDoc[] = RESOURCES,
): Record<string, unknown> {
  const optional = (key: string, value: unknown) => (value === undefined ? {} : { [key]: value });
  return {
    name: PACKAGE,
    displayName: "GlassFish IMS",
    version: pkg.version,
    description: pkg.description,
    keywords: [...(pkg.keywords ?? []), "category/infrastructure", "kind/native"],
    ...optional("homepage", pkg.homepage),
    license: pkg.license,
    ...optional("repository", urlOf(pkg.repository)),
    ...optional("publisher", nameOf(pkg.author)),
    ...optional("pluginDownloadURL", pkg.pluginDownloadURL),
    // The generated SDKs ask for the plugin at the schema's version.
    language: {
      nodejs: {
        packageName: NPM_PACKAGE,
        packageDescription: pkg.description,
        respectSchemaVersion: true,
      },
      python: { packageName: PYTHON_PACKAGE, respectSchemaVersion: true },
      go: { importBasePath: GO_IMPORT_PATH, respectSchemaVersion: true },
    },
    config: { variables: CONNECTION_CONFIG },
    provider: {
      description: "The provider of one DAS host's domain.xml files.",
      inputProperties: CONNECTION_CONFIG,
    },
    types: { [CONNECTION_TYPE]: connectionType() },
    resources: Object.fromEntries(
      resources.map((r) => [`${PACKAGE}:index:${r.type}`, resourceSchema(r)]),
    ),
  };
}

const CHANGE: Record<Change, string> = {
  replace: "replaces",
  update: "in place",
  none: "not compared",
};

function xmlCell(xml: XmlPlace | undefined): string {
  if (!xml) return "";
  return "text" in xml ? `\`<${xml.text}>\`` : `\`${xml.attr}\``;
}

/**
 * A markdown table as Prettier aligns it (cells padded to the column's width), so that the
 * generated README passes `prettier --check`.
 */
export function markdownTable(rows: readonly (readonly string[])[]): string {
  for (const cell of rows.flat()) {
    if (cell.includes("|") || cell.includes("\n")) {
      throw new Error(`a table cell cannot hold "|" or a line break: ${cell}`);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(3, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(rows[0]), line(widths.map((w) => "-".repeat(w))), ...rows.slice(1).map(line)].join(
    "\n",
  );
}

/** Identity first: the README lists what replaces, then what updates, then the rest. */
const CHANGE_ORDER: readonly Change[] = ["replace", "update", "none"];

/**
 * The README's input table of a resource: the inputs a program gives, identity first, else in
 * table order.
 */
export function readmeTable(r: ResourceDoc): string {
  const rows = Object.entries(r.fields)
    .filter(([, f]) => (f.exposure ?? "argument") === "argument")
    .sort(([, a], [, b]) => CHANGE_ORDER.indexOf(a.change) - CHANGE_ORDER.indexOf(b.change))
    .map(([name, f]) => [
      `\`${name}\``,
      f.doc,
      defaultOf(f) ?? "",
      CHANGE[f.change],
      xmlCell(f.xml),
    ]);
  return markdownTable([["Input", "Description", "Default", "Change", "domain.xml"], ...rows]);
}

/** The comment that opens a generated table in the README. */
export function readmeMarker(type: string): string {
  return `<!-- generated: ${type} inputs, from its field table (npm run generate) -->`;
}

/** The comment that closes a generated table. */
export const README_END = "<!-- end generated -->";

/**
 * The README with every resource's input table (between its marker and {@link README_END})
 * as the tables give it. A resource without its marker is an error: every table is generated.
 */
export function renderReadme(
  readme: string,
  resources: readonly ResourceDoc[] = RESOURCES,
): string {
  let out = readme;
  for (const r of resources) {
    const start = out.indexOf(readmeMarker(r.type));
    const end = start < 0 ? -1 : out.indexOf(README_END, start);
    if (start < 0 || end < 0) {
      throw new Error(`README.md has no "${readmeMarker(r.type)}" ... "${README_END}" section`);
    }
    const head = out.slice(0, start + readmeMarker(r.type).length);
    out = `${head}\n\n${readmeTable(r)}\n\n${out.slice(end)}`;
  }
  return out;
}
