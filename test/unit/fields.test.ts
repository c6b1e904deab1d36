import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { providers } from "../../provider";
import { isStored, type Change, type XmlPlace } from "../../provider/resources/fields";
import { SPEC as MACHINE } from "../../provider/resources/machine";
import { SPEC as SERVER_POOL } from "../../provider/resources/server-pool";
import { MACHINE_USER_SPEC, POOL_USER_SPEC } from "../../provider/resources/user";
import { SPEC as VIRTUALIZATION } from "../../provider/resources/virtualization";
import type { Rule } from "../../provider/resources/rules";
import { RESOURCES, type ResourceDoc } from "../../provider/schema";
import { generatedFiles, ROOT } from "../../scripts/generate";

// The field tables (provider/resources/*.ts) are the one declaration of each input: whatever is
// derived from them, or kept beside them by hand, must say the same.

/** What these tests read of a resource's spec: its fields with their rules and places. */
interface SpecView {
  type: string;
  fields: Readonly<
    Record<
      string,
      {
        rule?: (property: string) => Rule;
        xml?: XmlPlace;
        change: Change;
        stored?: boolean;
      }
    >
  >;
  attributeOrder?: readonly string[];
}

const SPECS: readonly SpecView[] = [
  VIRTUALIZATION,
  SERVER_POOL,
  POOL_USER_SPEC,
  MACHINE,
  MACHINE_USER_SPEC,
];
const TYPES = SPECS.map((s) => s.type);
const byType = (type: string) => SPECS.find((s) => s.type === type) as SpecView;
const names = (spec: SpecView) => Object.keys(spec.fields);

describe("the derived artefacts", () => {
  const files = generatedFiles();

  test.each(Object.keys(files))("%s is what the field tables generate", (file) => {
    // On failure: npm run generate, and commit what it wrote.
    expect(fs.readFileSync(path.join(ROOT, file), "utf8")).toBe(files[file]);
  });

  test("the schema and the README cover every resource the engine serves", () => {
    expect(RESOURCES.map((r) => r.type)).toEqual(Object.keys(providers));
    // The element resources have field tables; the DAS lifecycle's two resources come after.
    expect([...TYPES, "Domain", "DomainStart"]).toEqual(Object.keys(providers));
    const schema = JSON.parse(files["schema.json"]) as { resources: Record<string, unknown> };
    expect(Object.keys(schema.resources)).toEqual(
      Object.keys(providers).map((t) => `glassfish-ims:index:${t}`),
    );
  });

  test("each resource's schema names its inputs, secrets and the dynamic type it aliases", () => {
    const schema = JSON.parse(files["schema.json"]) as {
      resources: Record<string, Record<string, unknown>>;
    };
    const virt = schema.resources["glassfish-ims:index:Virtualization"];
    expect(virt.aliases).toEqual([{ type: "pulumi-nodejs:dynamic/glassfish-ims:Virtualization" }]);
    expect(virt.requiredInputs).toEqual(["domainXml"]);
    const props = virt.properties as Record<string, { secret?: boolean }>;
    const inputs = virt.inputProperties as Record<string, { secret?: boolean }>;
    expect(props.connectionString.secret).toBe(true);
    expect(props.effectiveConnectionString.secret).toBe(true);
    expect(inputs.connectionString.secret).toBe(true);
    // SDK plumbing is not part of the package's interface.
    const machine = schema.resources["glassfish-ims:index:Machine"];
    expect(Object.keys(machine.inputProperties as object)).not.toContain("parentInProgram");
    expect(Object.keys(machine.inputProperties as object)).not.toContain("poolSubnet");
    expect(machine.requiredInputs).toEqual(["serverPool"]);
  });
});

describe("the field tables", () => {
  test.each(TYPES)("%s: every rule guards the field it is declared on", (type) => {
    for (const [name, f] of Object.entries(byType(type).fields)) {
      if (f.rule) expect(f.rule(name).property).toBe(name);
    }
  });

  test.each(TYPES)("%s: every failure check reports names a field of its table", async (type) => {
    const spec = byType(type);
    const junk = Object.fromEntries(names(spec).map((n) => [n, { bad: n }]));
    const reach = { ip: "10.0.0.1", mac: "00:1c:c4:9f:e9:3b", networkName: "localhost" };
    for (const news of [{}, junk, { ...junk, ...reach }, { name: "x", ...reach }]) {
      const { failures } = await providers[type].check({}, news);
      expect(failures.length).toBeGreaterThan(0);
      // A secret field's failure is the resource's (property ""), its reason naming the field.
      for (const f of failures) {
        // A nested property (connection.port) is its top-level field's.
        const named = f.property === "" ? f.reason.split(" ")[0] : f.property;
        const field = named.split(/[.[]/)[0];
        expect(names(spec)).toContain(field);
        expect(f.property === "").toBe(
          (spec.fields[field as keyof typeof spec.fields] as { secret?: boolean }).secret === true,
        );
      }
    }
  });

  test.each(TYPES)("%s: attributes are unique and attributeOrder lists exactly them", (type) => {
    const spec = byType(type);
    const attrs = Object.values(spec.fields).flatMap((f) =>
      f.xml && "attr" in f.xml ? [f.xml.attr] : [],
    );
    expect(new Set(attrs).size).toBe(attrs.length);
    const managed = Object.values(spec.fields).flatMap((f) =>
      f.xml && "attr" in f.xml && !f.xml.key ? [f.xml.attr] : [],
    );
    if (spec.attributeOrder) expect([...spec.attributeOrder].sort()).toEqual([...managed].sort());
  });

  test.each(TYPES)("%s: every field diff compares is recorded in the state", (type) => {
    for (const f of Object.values(byType(type).fields)) {
      if (f.change !== "none") expect(isStored(f)).toBe(true);
    }
  });
});

/** The SDK's exported declarations (sdk/index.ts), read with the compiler. */
function sdkProgram() {
  const configFile = path.join(ROOT, "tsconfig.json");
  const config = ts.readConfigFile(configFile, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const program = ts.createProgram([path.join(ROOT, "sdk", "index.ts")], parsed.options);
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(path.join(ROOT, "sdk", "index.ts"));
  if (!index) throw new Error("sdk/index.ts is not in the program");
  const moduleSymbol = checker.getSymbolAtLocation(index);
  if (!moduleSymbol) throw new Error("sdk/index.ts has no module symbol");
  const sdkDir = path.join(ROOT, "sdk");
  const exported = (name: string) => {
    const sym = checker.getExportsOfModule(moduleSymbol).find((s) => s.name === name);
    if (!sym) throw new Error(`sdk/index.ts does not export ${name}`);
    return sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
  };
  const inSdk = (d: ts.Declaration) => path.resolve(d.getSourceFile().fileName).startsWith(sdkDir);

  /** The members of an interface, inherited ones included, with whether each is optional. */
  const members = (name: string) =>
    Object.fromEntries(
      checker
        .getPropertiesOfType(checker.getDeclaredTypeOfSymbol(exported(name)))
        .map((p) => [p.name, (p.flags & ts.SymbolFlags.Optional) !== 0]),
    );

  /** The `declare readonly` outputs a resource class declares (its own and its SDK bases'). */
  const declaredOutputs = (name: string) =>
    checker
      .getPropertiesOfType(checker.getDeclaredTypeOfSymbol(exported(name)))
      .filter((p) =>
        (p.declarations ?? []).some(
          (d) => inSdk(d) && (ts.getCombinedModifierFlags(d) & ts.ModifierFlags.Ambient) !== 0,
        ),
      )
      .map((p) => p.name);

  /** The constructor of a resource class: what it sends (super's props) and marks secret. */
  const constructorOf = (name: string) => {
    const decl = exported(name).declarations?.find(ts.isClassDeclaration);
    const ctor = decl?.members.find(ts.isConstructorDeclaration);
    if (!ctor) throw new Error(`${name} has no constructor`);
    const calls: ts.CallExpression[] = [];
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n)) calls.push(n);
      ts.forEachChild(n, visit);
    };
    visit(ctor);
    const sup = calls.find((c) => c.expression.kind === ts.SyntaxKind.SuperKeyword);
    if (!sup) throw new Error(`${name}'s constructor does not call super`);
    const sent = checker
      .getPropertiesOfType(checker.getTypeAtLocation(sup.arguments[2]))
      .map((p) => p.name);
    const secrets = calls
      .filter((c) => ts.isIdentifier(c.expression) && c.expression.text === "withSecretOutputs")
      .flatMap((c) => {
        const list = c.arguments[1];
        return ts.isArrayLiteralExpression(list)
          ? list.elements.filter(ts.isStringLiteral).map((e) => e.text)
          : [];
      });
    return { sent, secrets };
  };
  return { members, declaredOutputs, constructorOf };
}

describe("the SDK (sdk/*.ts) against the field tables", () => {
  let sdk: ReturnType<typeof sdkProgram>;
  beforeAll(() => {
    sdk = sdkProgram();
  }, 60_000);

  const docOf = (type: string) => RESOURCES.find((r) => r.type === type) as ResourceDoc;
  // The dynamic mode's classes take the `dynamic` fields as arguments too (the plugin takes them
  // as provider configuration).
  const argumentsOf = (r: ResourceDoc) =>
    Object.entries(r.fields).filter(([, f]) =>
      ["argument", "dynamic"].includes(f.exposure ?? "argument"),
    );

  test.each(TYPES)("%sArgs has exactly the table's arguments, optional where it is", (type) => {
    const expected = Object.fromEntries(
      argumentsOf(docOf(type)).map(([name, f]) => [
        name,
        !(f.required === true && f.default === undefined),
      ]),
    );
    expect(sdk.members(`${type}Args`)).toEqual(expected);
  });

  test.each(TYPES)("%s declares only outputs the table records", (type) => {
    const r = docOf(type);
    const recorded = [
      ...Object.entries(r.fields)
        .filter(([, f]) => isStored(f))
        .map(([n]) => n),
      ...Object.keys(r.outputs),
    ];
    const declared = sdk.declaredOutputs(type);
    expect(declared.length).toBeGreaterThan(0);
    expect(declared.filter((n) => !recorded.includes(n))).toEqual([]);
  });

  test.each(TYPES)("%s's constructor sends every field and seeded output of the table", (type) => {
    const r = docOf(type);
    const { sent } = sdk.constructorOf(type);
    const seeded = Object.entries(r.outputs)
      .filter(([, o]) => o.seeded !== false)
      .map(([n]) => n);
    // And the resource's URN, for the create journal (provider/resources/journal.ts).
    expect([...sent].sort()).toEqual([...Object.keys(r.fields), ...seeded, "__urn"].sort());
  });

  test.each(TYPES)("%s marks secret exactly what the table does", (type) => {
    const r = docOf(type);
    const secret = [
      ...Object.entries(r.fields).filter(([, f]) => f.secret),
      ...Object.entries(r.outputs).filter(([, o]) => o.secret),
    ].map(([n]) => n);
    expect([...sdk.constructorOf(type).secrets].sort()).toEqual(secret.sort());
  });
});
