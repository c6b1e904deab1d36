// What the provider plugin does with each resource call, over plain property maps: it routes to
// the same `providers[Kind]` operations the dynamic mode uses, and does itself what the
// TypeScript SDK does for dynamic-mode programs (the IMS name defaulting to the resource name,
// secrets kept secret). No gRPC here: server.ts converts the messages.
import { connectionFailures, type DasConnection } from "../remote/connection";
import { domainPath } from "../store/store";
import {
  hideSecrets,
  isUnknown,
  KINDS,
  URN_INPUT,
  type CheckFailure,
  type DiffResult,
  type ParentLink,
  type ResourceOperations,
} from "../engine";
import { providers as PROVIDERS } from "../index";
import { contextFor, type EngineLog } from "./engine-log";
import { PACKAGE, RESOURCES, type ResourceDoc } from "../schema";
import { importedInputs, parentsByName } from "./parent-ref";
import {
  detailOf,
  fromWire,
  nameFromUrn,
  toWire,
  type PropertyChange,
  type WireProps,
} from "./wire";

/**
 * The parent input of each kind and the kind it names. A child's `check` does not require its
 * parent in domain.xml yet when this plugin checked that parent earlier in the same deployment:
 * the engine checks a resource only once the values it refers to are resolved, so a parent from
 * the program comes first (the SDK's `parentInProgram` in dynamic mode).
 */
export const PARENTS: Readonly<Record<string, ParentLink>> = Object.fromEntries(
  KINDS.flatMap((k) => (k.parent ? [[k.type, k.parent]] : [])),
);

/** What `check` answers. */
export interface PluginCheck {
  /** The checked inputs, secrets wrapped. */
  inputs: WireProps;
  /** Every failure, each naming its property. */
  failures: CheckFailure[];
}

/** What `diff` answers: the resource's own diff (its changed keys too) and what each does. */
export interface PluginDiff extends DiffResult {
  /** What each changed property's change does. */
  detailed: Record<string, PropertyChange>;
}

/** What `read` answers; no `id` when the element is gone. */
export interface PluginRead {
  /** The ID, when the element is still there. */
  id?: string;
  /** What the state records now, secrets wrapped. */
  properties?: WireProps;
  /** The inputs as the file has them, secrets wrapped. */
  inputs?: WireProps;
}

/**
 * The provider's `connection` configuration as the engine sends it: an object, or the JSON text
 * of one (config values reach older engines as strings); undefined when it is not set.
 */
export function connectionConfig(config: WireProps | undefined): unknown {
  const raw = fromWire(config).values.connection;
  if (typeof raw !== "string") return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** Every failure of the provider configuration (`connection`), at once, naming the property. */
export function configFailures(config: WireProps | undefined): CheckFailure[] {
  const c = connectionConfig(config);
  return c === undefined ? [] : connectionFailures(c, "connection");
}

/** The type name of a `glassfish-ims:index:<Type>` token; INVALID_TYPE for any other token. */
export function kindOf(token: string): string {
  const prefix = `${PACKAGE}:index:`;
  const kind = token.startsWith(prefix) ? token.slice(prefix.length) : "";
  if (!RESOURCES.some((r) => r.type === kind)) {
    throw new Error(
      `resource type ${JSON.stringify(token)} is not served by this plugin: use one of ${RESOURCES.map((r) => `${prefix}${r.type}`).join(", ")}`,
    );
  }
  return kind;
}

function docOf(kind: string): ResourceDoc {
  return RESOURCES.find((r) => r.type === kind) as ResourceDoc;
}

/** The inputs of `kind` that are secret in its field table. */
function secretInputs(kind: string): string[] {
  return Object.entries(docOf(kind).fields)
    .filter(([, f]) => f.secret)
    .map(([k]) => k);
}

/** The state properties of `kind` that are secret: secret inputs and outputs. */
function secretOutputs(kind: string): string[] {
  const outputs = Object.entries(docOf(kind).outputs)
    .filter(([, o]) => o.secret)
    .map(([k]) => k);
  return [...secretInputs(kind), ...outputs];
}

/** The key under which a checked element is remembered: kind, file, IMS name. */
function elementKey(kind: string, file: unknown, name: unknown): string | undefined {
  if (typeof file !== "string" || typeof name !== "string") return undefined;
  if (isUnknown(file) || isUnknown(name) || file === "") return undefined;
  return `${kind}\0${domainPath(file)}\0${name}`;
}

/**
 * The resource calls of one plugin process (one deployment). It remembers the elements it
 * checked, for {@link PARENTS}; everything else is the resource code's.
 */
export class PluginProvider {
  private readonly checked = new Set<string>();
  /** The DAS host of every resource of this provider (its `connection` configuration). */
  private connection?: DasConnection;
  /** The subnet of each pool checked in this deployment, for its machines (the SDK's `poolSubnet`). */
  private readonly subnets = new Map<string, string>();

  /**
   * @param ops The operations of each kind: the dynamic mode's `providers`.
   * @param log The engine's log, for the progress of long steps (none: they run silently).
   */
  constructor(
    private readonly ops: Readonly<Record<string, ResourceOperations>> = PROVIDERS,
    private readonly log?: EngineLog,
  ) {}

  private of(kind: string): ResourceOperations {
    return this.ops[kind];
  }

  /**
   * Takes the provider configuration: the DAS host every resource's domain.xml is on. It reaches
   * the resource code as the `connection` input the dynamic mode has, and is never part of what
   * the engine records for a resource (the provider's own state holds it, as a secret).
   */
  configure(config: WireProps | undefined): void {
    const failures = configFailures(config);
    if (failures.length) throw new Error(failures.map((f) => f.reason).join("; "));
    const c = connectionConfig(config);
    this.connection = c === undefined ? undefined : (c as DasConnection);
  }

  /** `values` with the configured connection, for the resource code. */
  private withConnection(values: Record<string, unknown>): Record<string, unknown> {
    return this.connection ? { ...values, connection: this.connection } : values;
  }

  /**
   * Validates and normalizes, as the dynamic mode does, after what the SDK would do: `name`
   * defaults to the resource's name (from `name`, else from the URN).
   */
  async check(
    token: string,
    urn: string,
    name: string,
    oldsWire: WireProps | undefined,
    newsWire: WireProps | undefined,
  ): Promise<PluginCheck> {
    const kind = kindOf(token);
    const { values: given, secrets } = fromWire(newsWire);
    // A parent given by its ID (what `pulumi import` generates) is taken as its IMS name.
    const byName = parentsByName(kind, given);
    const news = byName.inputs;
    const olds = parentsByName(kind, fromWire(oldsWire).values).inputs;
    if (news.name === undefined && "name" in docOf(kind).fields)
      news.name = name || nameFromUrn(urn);
    // The same default for the recorded inputs (an import records none when it is the default).
    if (olds.name === undefined && olds.domainXml !== undefined && "name" in docOf(kind).fields)
      olds.name = name || nameFromUrn(urn);
    // The create journal's key (as the SDK's `__urn` in dynamic mode): Create gets these inputs.
    if (urn) news[URN_INPUT] = urn;
    const parent = PARENTS[kind];
    const parentKey = parent && elementKey(parent.kind, news.domainXml, news[parent.property]);
    if (parentKey && this.checked.has(parentKey)) news.parentInProgram = true;
    // A machine's fixed ip is checked against its pool's subnet at preview, as in dynamic mode.
    const subnet = parentKey && kind === "Machine" ? this.subnets.get(parentKey) : undefined;
    if (subnet !== undefined && news.poolSubnet === undefined) news.poolSubnet = subnet;
    const r = await this.of(kind).check(this.withConnection(olds), this.withConnection(news));
    delete r.inputs.connection;
    const key = elementKey(kind, r.inputs.domainXml, r.inputs.name);
    if (key) this.checked.add(key);
    const checkedSubnet = r.inputs.subnet;
    if (key && kind === "ServerPool" && typeof checkedSubnet === "string") {
      if (!isUnknown(checkedSubnet) && r.failures.length === 0)
        this.subnets.set(key, checkedSubnet);
    }
    const failed = new Set(byName.failures.map((f) => f.property));
    const ownFailures = r.failures.filter((f) => !failed.has(f.property));
    const failures = [...byName.failures, ...ownFailures].map((f) =>
      parent && f.property === "domainXml" && news.domainXml === undefined
        ? {
            property: "domainXml",
            reason: `domainXml is required: the provider plugin cannot inherit it from ${parent.property} ${JSON.stringify(news[parent.property])} given by name; set domainXml to the parent's (in YAML: domainXml: \${<parent>.domainXml})`,
          }
        : f,
    );
    const secret = [...secrets, ...secretInputs(kind)];
    return {
      inputs: toWire(r.inputs, secret),
      failures: hideSecrets(failures, secret, news, [...secrets]),
    };
  }

  /** The resource's diff, with every changed property and what its change does. */
  diff(
    token: string,
    id: string,
    oldsWire: WireProps | undefined,
    newsWire: WireProps | undefined,
  ): PluginDiff {
    const kind = kindOf(token);
    const olds = fromWire(oldsWire).values;
    const news = fromWire(newsWire).values;
    const d = this.of(kind).diff(id, olds, news);
    return { ...d, detailed: detailOf(d.diffs, d.replaces) };
  }

  /** Writes the element; the state's secrets wrapped. Long steps report to the log as `urn`. */
  async create(
    token: string,
    propsWire: WireProps | undefined,
    urn?: string,
  ): Promise<{ id: string; properties: WireProps }> {
    const kind = kindOf(token);
    const { values, secrets } = fromWire(propsWire);
    const r = await this.of(kind).create(this.withConnection(values), contextFor(this.log, urn));
    return {
      id: r.id,
      properties: toWire(withoutConnection(r.outs), [...secrets, ...secretOutputs(kind)]),
    };
  }

  /**
   * What the file says now. Works from the ID alone (`pulumi import`: no properties), since an
   * ID names the file and the element; the inputs then name the parents by their IDs and leave
   * out a `name` that the resource name (from `urn`) gives anyway, so that the program `pulumi
   * import` generates references the parents it imports too (see parent-ref.ts).
   */
  async read(
    token: string,
    id: string,
    propsWire: WireProps | undefined,
    inputsWire: WireProps | undefined,
    urn = "",
  ): Promise<PluginRead> {
    const kind = kindOf(token);
    const props = fromWire(propsWire);
    const inputs = fromWire(inputsWire);
    const r = await this.of(kind).read(
      id,
      this.withConnection(props.values),
      contextFor(this.log, urn),
    );
    if (!r.id) return {};
    const fromId = props.values.domainXml === undefined || props.values.name === undefined;
    const found = withoutConnection(r.inputs ?? {});
    const read = fromId ? importedInputs(kind, found, urn ? nameFromUrn(urn) : undefined) : found;
    return {
      id: r.id,
      properties: toWire(withoutConnection(r.props ?? {}), [
        ...props.secrets,
        ...secretOutputs(kind),
      ]),
      inputs: toWire(read, [...inputs.secrets, ...secretInputs(kind)]),
    };
  }

  /** Rewrites what the resource manages. */
  async update(
    token: string,
    id: string,
    oldsWire: WireProps | undefined,
    newsWire: WireProps | undefined,
    urn?: string,
  ): Promise<{ properties: WireProps }> {
    const kind = kindOf(token);
    const olds = fromWire(oldsWire).values;
    const { values: news, secrets } = fromWire(newsWire);
    const r = await this.of(kind).update(
      id,
      this.withConnection(olds),
      this.withConnection(news),
      contextFor(this.log, urn),
    );
    return {
      properties: toWire(withoutConnection(r.outs), [...secrets, ...secretOutputs(kind)]),
    };
  }

  /** Removes the element; already gone is fine. */
  async delete(token: string, id: string, propsWire: WireProps | undefined): Promise<void> {
    const kind = kindOf(token);
    await this.of(kind).delete(id, this.withConnection(fromWire(propsWire).values));
  }
}

/** A resource's values without the connection, which is the provider's configuration here. */
function withoutConnection(values: object): Record<string, unknown> {
  const out = { ...(values as Record<string, unknown>) };
  delete out.connection;
  return out;
}
