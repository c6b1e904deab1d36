// The native floor of bench/engine: a provider plugin with glassfish-ims's schema (schema.json:
// the same resource types, inputs and outputs), served by the plugin's own gRPC server code
// (provider/plugin/server.ts through start.ts), with no work in the handlers. `check` returns the
// news, `diff` reports a change only when an input differs, `create` and `update` return the
// inputs with every declared output filled by a constant, `read` returns the state, `delete` does
// nothing. What the plugin mode costs beyond this is glassfish-ims's own work.
//
// Run as a plugin: bench/engine writes a `pulumi-resource-glassfish-ims` launcher that starts
// `node dist/bench/native-floor.js` for its `native-floor` stacks.
import { randomUUID } from "crypto";
import { readFileSync } from "fs";
import * as path from "path";
import type { PluginCalls } from "../provider/plugin/calls";
import type { PluginCheck, PluginDiff, PluginRead } from "../provider/plugin/provider";
import { packageRoot } from "../provider/plugin/server";
import { startPlugin } from "../provider/plugin/start";
import type { WireProps } from "../provider/plugin/wire";

/** A resource type of the schema, as far as the floor needs it. */
interface SchemaResource {
  inputProperties?: Record<string, unknown>;
  properties?: Record<string, { type?: string }>;
}

/** The constant a declared output of `type` is filled with. */
function constantOf(type: string | undefined): unknown {
  switch (type) {
    case "string":
      return "floor";
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return true;
    case "array":
      return [];
    default:
      return {};
  }
}

/**
 * The declared outputs (state properties that are not inputs) of every resource type of a
 * schema, each with its constant.
 */
export function declaredOutputs(schema: {
  resources: Record<string, SchemaResource>;
}): Map<string, WireProps> {
  const out = new Map<string, WireProps>();
  for (const [token, r] of Object.entries(schema.resources)) {
    const inputs = new Set(Object.keys(r.inputProperties ?? {}));
    const outputs: WireProps = {};
    for (const [k, p] of Object.entries(r.properties ?? {})) {
      if (!inputs.has(k)) outputs[k] = constantOf(p.type);
    }
    out.set(token, outputs);
  }
  return out;
}

/** The no-op provider calls behind the native floor (see the top of the file). */
export class FloorProvider implements PluginCalls {
  private readonly outputs: Map<string, WireProps>;

  /** @param root The package root whose schema.json gives the types and their outputs. */
  constructor(root = packageRoot()) {
    this.outputs = declaredOutputs(
      JSON.parse(readFileSync(path.join(root, "schema.json"), "utf8")),
    );
  }

  private outputsOf(token: string): WireProps {
    return this.outputs.get(token) ?? {};
  }

  /** Accepts any configuration. */
  configure(): void {}

  /** The news, as they came. */
  async check(
    _token: string,
    _urn: string,
    _name: string,
    _olds: WireProps | undefined,
    news: WireProps | undefined,
  ): Promise<PluginCheck> {
    return { inputs: news ?? {}, failures: [] };
  }

  /** A change (in place) of every input whose value differs; none when all are equal. */
  diff(
    token: string,
    _id: string,
    olds: WireProps | undefined,
    news: WireProps | undefined,
  ): PluginDiff {
    const o = olds ?? {};
    const n = news ?? {};
    const outputs = this.outputsOf(token);
    const keys = new Set([...Object.keys(o), ...Object.keys(n)].filter((k) => !(k in outputs)));
    const diffs = [...keys].filter((k) => JSON.stringify(o[k]) !== JSON.stringify(n[k]));
    return {
      changes: diffs.length > 0,
      replaces: [],
      deleteBeforeReplace: false,
      diffs,
      detailed: Object.fromEntries(diffs.map((k) => [k, "update" as const])),
    };
  }

  /** A fresh ID; the inputs with the type's declared outputs filled by constants. */
  async create(
    token: string,
    props: WireProps | undefined,
  ): Promise<{ id: string; properties: WireProps }> {
    return { id: randomUUID(), properties: { ...props, ...this.outputsOf(token) } };
  }

  /** The state as recorded. */
  async read(
    _token: string,
    id: string,
    props: WireProps | undefined,
    inputs: WireProps | undefined,
  ): Promise<PluginRead> {
    return { id, properties: props ?? {}, inputs: inputs ?? {} };
  }

  /** The news with the declared outputs filled by constants. */
  async update(
    token: string,
    _id: string,
    _olds: WireProps | undefined,
    news: WireProps | undefined,
  ): Promise<{ properties: WireProps }> {
    return { properties: { ...news, ...this.outputsOf(token) } };
  }

  /** Nothing to delete. */
  async delete(): Promise<void> {}
}

if (require.main === module) startPlugin(new FloorProvider());
