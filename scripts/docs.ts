// Registry-style docs from the package schema (what scripts/generate.ts writes into docs/): the
// overview (_index.md), installation and configuration, and one API page per resource with its
// inputs, outputs and an example in TypeScript, Python, Go and YAML. Pure functions of the schema.

/** What the docs read of a schema property. */
interface Property {
  type?: string;
  items?: { type: string };
  description?: string;
  secret?: boolean;
  willReplaceOnChanges?: boolean;
}

/** What the docs read of a schema resource. */
interface Resource {
  description: string;
  properties: Record<string, Property>;
  inputProperties: Record<string, Property>;
  requiredInputs: string[];
}

/** What the docs read of the package schema (`packageSchema`'s result). */
export interface DocSchema {
  name: string;
  displayName: string;
  version: string;
  description: string;
  publisher?: string;
  repository?: string;
  license: string;
  pluginDownloadURL?: string;
  language: {
    nodejs: { packageName: string };
    python: { packageName: string };
    go: { importBasePath: string };
  };
  resources: Record<string, Resource>;
}

/** A value of an example: a literal, or another example resource's output. */
type Value = string | number | boolean | string[] | { ref: string; prop: string };

/** One resource of an example program. */
interface ExampleResource {
  type: string;
  name: string;
  props: Record<string, Value>;
}

const DOMAIN_XML = "/opt/glassfish/domains/domain1/config/domain.xml";

/** The asadmin sequence of the SPEC, one resource at a time (parents first). */
const SEED: readonly ExampleResource[] = [
  { type: "Virtualization", name: "kvm", props: { domainXml: DOMAIN_XML, emulator: "kvm" } },
  {
    type: "ServerPool",
    name: "cloud",
    props: {
      domainXml: { ref: "kvm", prop: "domainXml" },
      virtualization: { ref: "kvm", prop: "name" },
      subnet: "10.132.181.0/24",
      portNames: ["cscotun0", "br0"],
    },
  },
  {
    type: "PoolUser",
    name: "cloudUser",
    props: {
      domainXml: { ref: "cloud", prop: "domainXml" },
      serverPool: { ref: "cloud", prop: "name" },
      name: "cloud",
      userId: 1001,
      groupId: 1001,
    },
  },
  {
    type: "Machine",
    name: "office",
    props: {
      domainXml: { ref: "cloud", prop: "domainXml" },
      serverPool: { ref: "cloud", prop: "name" },
      networkName: "office",
      ip: "10.132.181.57",
    },
  },
  {
    type: "Domain",
    name: "domain1",
    props: {
      domainDir: "/opt/glassfish/domains/domain1",
      asadmin: "/opt/glassfish/bin/asadmin",
    },
  },
  {
    type: "DomainStart",
    name: "domain1Start",
    props: {
      domainXml: { ref: "domain1", prop: "domainXml" },
      triggers: ["restart when this changes"],
    },
  },
  {
    type: "MachineUser",
    name: "jdoe",
    props: {
      domainXml: { ref: "office", prop: "domainXml" },
      machine: { ref: "office", prop: "name" },
      userId: 1000,
      groupId: 1000,
    },
  },
];

/** The example of `type`: the seed's resources up to it, its ancestors included. */
function exampleOf(type: string): ExampleResource[] {
  const target = SEED.find((r) => r.type === type);
  if (!target) throw new Error(`no example for ${type}`);
  const needed = new Set<string>([target.name]);
  for (const r of [...SEED].reverse()) {
    if (!needed.has(r.name)) continue;
    for (const v of Object.values(r.props)) if (isRef(v)) needed.add(v.ref);
  }
  return SEED.filter((r) => needed.has(r.name));
}

function isRef(v: Value): v is { ref: string; prop: string } {
  return typeof v === "object" && !Array.isArray(v);
}

/** `domainXml` → `domain_xml`. */
export function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `domainXml` → `DomainXml`. */
function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

const json = (v: unknown) => JSON.stringify(v);

/** A literal as JavaScript and Python both write it (lists spaced as Prettier and Black do). */
function literal(v: string | number | boolean | string[], py = false): string {
  if (Array.isArray(v)) return `[${v.map((x) => json(x)).join(", ")}]`;
  if (py && typeof v === "boolean") return v ? "True" : "False";
  return json(v);
}

function typescript(rs: readonly ExampleResource[], pkg: string): string {
  const lines = [`import * as ims from "${pkg}";`, ""];
  for (const r of rs) {
    const props = Object.entries(r.props).map(
      ([k, v]) => `  ${k}: ${isRef(v) ? `${v.ref}.${v.prop}` : literal(v)},`,
    );
    lines.push(`const ${r.name} = new ims.${r.type}(${json(r.name)}, {`, ...props, "});");
  }
  return lines.join("\n");
}

function python(rs: readonly ExampleResource[], pkg: string): string {
  const lines = [`import ${pkg} as ims`, ""];
  for (const r of rs) {
    const props = Object.entries(r.props).map(
      ([k, v]) =>
        `    ${snake(k)}=${isRef(v) ? `${snake(v.ref)}.${snake(v.prop)}` : literal(v, true)},`,
    );
    lines.push(`${snake(r.name)} = ims.${r.type}(`, `    ${json(r.name)},`, ...props, ")");
  }
  return lines.join("\n");
}

function goValue(v: Value): string {
  if (isRef(v)) return `${v.ref}.${pascal(v.prop)}`;
  if (Array.isArray(v))
    return `pulumi.StringArray{${v.map((s) => `pulumi.String(${json(s)})`).join(", ")}}`;
  if (typeof v === "number") return `pulumi.Int(${v})`;
  if (typeof v === "boolean") return `pulumi.Bool(${v})`;
  return `pulumi.String(${json(v)})`;
}

function go(rs: readonly ExampleResource[], importPath: string): string {
  const used = new Set(
    rs.flatMap((r) =>
      Object.values(r.props)
        .filter(isRef)
        .map((v) => v.ref),
    ),
  );
  const lines = [
    "package main",
    "",
    "import (",
    `\tims "${importPath}"`,
    '\t"github.com/pulumi/pulumi/sdk/v3/go/pulumi"',
    ")",
    "",
    "func main() {",
    "\tpulumi.Run(func(ctx *pulumi.Context) error {",
  ];
  for (const r of rs) {
    const call = `ims.New${r.type}(ctx, ${json(r.name)}, &ims.${r.type}Args{`;
    lines.push(used.has(r.name) ? `\t\t${r.name}, err := ${call}` : `\t\tif _, err := ${call}`);
    const width = Math.max(...Object.keys(r.props).map((k) => k.length)) + 1;
    for (const [k, v] of Object.entries(r.props)) {
      lines.push(`\t\t\t${`${pascal(k)}:`.padEnd(width)} ${goValue(v)},`);
    }
    if (used.has(r.name)) lines.push("\t\t})", "\t\tif err != nil {");
    else lines.push("\t\t}); err != nil {");
    lines.push("\t\t\treturn err", "\t\t}");
  }
  lines.push("\t\treturn nil", "\t})", "}");
  return lines.join("\n");
}

function yaml(rs: readonly ExampleResource[], pkg: string): string {
  const lines = ["name: glassfish-ims-example", "runtime: yaml", "resources:"];
  for (const r of rs) {
    lines.push(`  ${r.name}:`, `    type: ${pkg}:index:${r.type}`, "    properties:");
    for (const [k, v] of Object.entries(r.props)) {
      const text = isRef(v)
        ? `\${${v.ref}.${v.prop}}`
        : Array.isArray(v)
          ? `[${v.join(", ")}]`
          : String(v);
      lines.push(`      ${k}: ${text}`);
    }
  }
  return lines.join("\n");
}

function fence(lang: string, code: string): string {
  return `\`\`\`${lang}\n${code}\n\`\`\``;
}

function typeName(p: Property): string {
  return p.type === "array" ? `${p.items?.type ?? "string"}[]` : (p.type ?? "string");
}

function cell(text: string | undefined): string {
  return (text ?? "").replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function propertyTable(props: Record<string, Property>, required: readonly string[]): string {
  const rows = Object.entries(props).map(
    ([name, p]) =>
      `| \`${name}\` / \`${snake(name)}\` / \`${pascal(name)}\` | ${typeName(p)} | ${required.includes(name) ? "yes" : "no"} | ${cell(p.description)}${p.secret ? " Secret." : ""}${p.willReplaceOnChanges ? " Changing it replaces the resource." : ""} |`,
  );
  return [
    "| Name (TypeScript, YAML / Python / Go) | Type | Required | Description |",
    "| --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

function examples(type: string, s: DocSchema): string {
  const rs = exampleOf(type);
  return [
    "### TypeScript",
    "",
    fence("typescript", typescript(rs, `${s.language.nodejs.packageName}/dist/plugin-sdk`)),
    "",
    "### Python",
    "",
    fence("python", python(rs, s.language.python.packageName)),
    "",
    "### Go",
    "",
    fence("go", go(rs, s.language.go.importBasePath)),
    "",
    "### YAML",
    "",
    fence("yaml", yaml(rs, s.name)),
  ].join("\n");
}

function apiPage(token: string, r: Resource, s: DocSchema): string {
  const type = token.slice(token.lastIndexOf(":") + 1);
  const outputs = Object.fromEntries(
    Object.entries(r.properties).filter(([name]) => !(name in r.inputProperties)),
  );
  return [
    "---",
    `title: ${type}`,
    `meta_desc: ${json(`The ${type} resource of the ${s.displayName} provider.`)}`,
    "---",
    "",
    `# ${type}`,
    "",
    `Type token: \`${token}\`. ${r.description}`,
    "",
    "## Example",
    "",
    examples(type, s),
    "",
    "## Inputs",
    "",
    propertyTable(r.inputProperties, r.requiredInputs),
    "",
    "## Outputs",
    "",
    "Every input is also an output. Beyond them:",
    "",
    propertyTable(outputs, []),
    "",
  ].join("\n");
}

function indexPage(s: DocSchema): string {
  const types = Object.keys(s.resources).map((t) => t.slice(t.lastIndexOf(":") + 1));
  return [
    "---",
    `title: ${s.displayName}`,
    `meta_desc: ${json(s.description)}`,
    "layout: package",
    "---",
    "",
    `# ${s.displayName}`,
    "",
    `${s.description}. Version ${s.version}, published by ${s.publisher ?? "its authors"} under ${s.license}${s.repository ? ` (${s.repository})` : ""}.`,
    "",
    "The provider edits the IMS configuration of a GlassFish `domain.xml` as `asadmin` does:",
    "`pulumi preview` shows the change, `pulumi up` writes it, `pulumi refresh` finds hand",
    "edits and `pulumi destroy` removes exactly what the stack added.",
    "",
    "## Resources",
    "",
    ...types.map((t) => `- [${t}](api/${t.toLowerCase()}.md)`),
    "",
    "## Example: the asadmin sequence",
    "",
    fence("yaml", yaml(SEED, s.name)),
    "",
    "The same in TypeScript, Python and Go is on the [MachineUser](api/machineuser.md) page; see",
    "[Installation & configuration](installation-configuration.md) to get the provider.",
    "",
  ].join("\n");
}

function installPage(s: DocSchema): string {
  const v = s.version;
  return [
    "---",
    `title: ${s.displayName} Installation & Configuration`,
    `meta_desc: ${json(`How to install and configure the ${s.displayName} provider.`)}`,
    "layout: package",
    "---",
    "",
    "# Installation & configuration",
    "",
    "## The plugin",
    "",
    "One executable per platform (linux-amd64, linux-arm64); it needs no Node.js:",
    "",
    fence(
      "sh",
      `pulumi plugin install resource ${s.name} ${v} --file pulumi-resource-${s.name}-v${v}-linux-amd64.tar.gz`,
    ),
    "",
    s.pluginDownloadURL
      ? `Without it, the engine downloads the plugin from \`${s.pluginDownloadURL}\` (the schema's \`pluginDownloadURL\`; the engine fills in \`\${VERSION}\`), where the organization that hosts the release keeps the tarballs.`
      : "",
    "",
    "## The SDKs",
    "",
    `- TypeScript / JavaScript: \`npm install ./${s.language.nodejs.packageName}-${v}.tgz\`; the`,
    `  plugin's SDK is \`${s.language.nodejs.packageName}/dist/plugin-sdk\` (the package's main`,
    "  export is the dynamic mode, which needs no plugin).",
    `- Python: \`pip install ${s.language.python.packageName}-${v}-py3-none-any.whl\`.`,
    `- Go: unpack \`${s.name}-go-v${v}.tar.gz\` and point a \`replace\` of`,
    `  \`${s.language.go.importBasePath.replace(/\/[^/]+$/, "")}\` at it.`,
    "- YAML: nothing beyond the plugin.",
    "",
    "## Configuration",
    "",
    "The provider has no configuration of its own: every resource names the `domain.xml` it edits",
    "(`domainXml`), and a machine's libvirt connection comes from its virtualization's",
    "connection string. A GlassFish domain must be stopped while it is edited.",
    "",
  ].join("\n");
}

/** Every docs file (relative to the repository root) with its text. */
export function registryDocs(s: DocSchema): Record<string, string> {
  const files: Record<string, string> = {
    "docs/_index.md": indexPage(s),
    "docs/installation-configuration.md": installPage(s),
  };
  for (const [token, r] of Object.entries(s.resources)) {
    const type = token.slice(token.lastIndexOf(":") + 1);
    files[`docs/api/${type.toLowerCase()}.md`] = apiPage(token, r, s);
  }
  return files;
}
