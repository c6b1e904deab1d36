// The ResourceProvider gRPC service of the plugin `pulumi-resource-glassfish-ims`, implemented
// over @pulumi/pulumi's generated protocol classes and @grpc/grpc-js (not provider.main, whose
// 3.259.0 version drops detailed diffs, crashes on import and leaves CheckConfig unimplemented).
// Each handler converts the request's Structs to plain maps and calls PluginProvider.
import * as grpc from "@grpc/grpc-js";
import * as emptyPb from "google-protobuf/google/protobuf/empty_pb";
import * as structPb from "google-protobuf/google/protobuf/struct_pb";
import { readFileSync } from "fs";
import * as path from "path";
import * as pluginPb from "@pulumi/pulumi/proto/plugin_pb";
import * as providerGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as pb from "@pulumi/pulumi/proto/provider_pb";
import { configFailures, PluginProvider, type PluginDiff } from "./provider";
import type { WireProps } from "./wire";

/** The package root (schema.json, package.json), from dist/provider/plugin or provider/plugin. */
function packageRoot(): string {
  let dir = __dirname;
  while (!readFileSafe(path.join(dir, "schema.json"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`schema.json not found above ${__dirname}`);
    dir = up;
  }
  return dir;
}

function readFileSafe(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function props(s: structPb.Struct | undefined): WireProps | undefined {
  return s?.toJavaScript();
}

function struct(p: WireProps): structPb.Struct {
  return structPb.Struct.fromJavaScript(p as Record<string, structPb.JavaScriptValue>);
}

/** The engine shows the message as the resource's error, as for the dynamic provider. */
function rpcError(e: unknown): grpc.ServiceError {
  const message = e instanceof Error ? e.message : String(e);
  return Object.assign(new Error(message), {
    code: grpc.status.UNKNOWN,
    details: message,
    metadata: new grpc.Metadata(),
  });
}

/** A unary handler from an async function; a thrown error becomes the call's error. */
function unary<Req, Res>(fn: (req: Req) => Res | Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (res) => callback(null, res),
        (e) => callback(rpcError(e), null),
      );
  };
}

const PROPERTY_KIND: Record<PluginDiff["detailed"][string], pb.PropertyDiff.Kind> = {
  update: pb.PropertyDiff.Kind.UPDATE,
  replace: pb.PropertyDiff.Kind.UPDATE_REPLACE,
};

function diffResponse(d: PluginDiff): pb.DiffResponse {
  const res = new pb.DiffResponse();
  res.setChanges(
    d.changes ? pb.DiffResponse.DiffChanges.DIFF_SOME : pb.DiffResponse.DiffChanges.DIFF_NONE,
  );
  res.setReplacesList(d.replaces);
  res.setDeletebeforereplace(d.deleteBeforeReplace);
  res.setDiffsList(d.diffs);
  res.setHasdetaileddiff(true);
  const detailed = res.getDetaileddiffMap();
  for (const [k, change] of Object.entries(d.detailed)) {
    const p = new pb.PropertyDiff();
    p.setKind(PROPERTY_KIND[change]);
    p.setInputdiff(true);
    detailed.set(k, p);
  }
  return res;
}

/** The service's handlers, over one {@link PluginProvider}. Methods left out answer UNIMPLEMENTED. */
export function handlers(
  provider = new PluginProvider(),
  root = packageRoot(),
): Partial<providerGrpc.IResourceProviderServer> {
  const version = (
    JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }
  ).version;
  return {
    getPluginInfo: unary(() => new pluginPb.PluginInfo().setVersion(version)),
    getSchema: unary(() =>
      new pb.GetSchemaResponse().setSchema(readFileSync(path.join(root, "schema.json"), "utf8")),
    ),
    // The one configuration is `connection` (the DAS host): checked at preview like any input.
    checkConfig: unary((req: pb.CheckRequest) =>
      new pb.CheckResponse()
        .setInputs(req.getNews())
        .setFailuresList(
          configFailures(props(req.getNews())).map((f) =>
            new pb.CheckFailure().setProperty(f.property).setReason(f.reason),
          ),
        ),
    ),
    diffConfig: unary((req: pb.DiffRequest) => {
      const same =
        JSON.stringify(props(req.getOlds()) ?? {}) === JSON.stringify(props(req.getNews()) ?? {});
      return new pb.DiffResponse().setChanges(
        same ? pb.DiffResponse.DiffChanges.DIFF_NONE : pb.DiffResponse.DiffChanges.DIFF_SOME,
      );
    }),
    configure: unary((req: pb.ConfigureRequest) => {
      provider.configure(props(req.getArgs()) ?? configVariables(req.getVariablesMap()));
      return new pb.ConfigureResponse()
        .setAcceptsecrets(true)
        .setSupportspreview(false)
        .setAcceptresources(false)
        .setAcceptoutputs(false);
    }),
    check: unary(async (req: pb.CheckRequest) => {
      const r = await provider.check(
        req.getType() || typeFromUrn(req.getUrn()),
        req.getUrn(),
        req.getName(),
        props(req.getOlds()),
        props(req.getNews()),
      );
      const res = new pb.CheckResponse().setInputs(struct(r.inputs));
      res.setFailuresList(
        r.failures.map((f) => new pb.CheckFailure().setProperty(f.property).setReason(f.reason)),
      );
      return res;
    }),
    diff: unary((req: pb.DiffRequest) =>
      diffResponse(
        provider.diff(
          req.getType() || typeFromUrn(req.getUrn()),
          req.getId(),
          props(req.getOlds()),
          props(req.getNews()),
        ),
      ),
    ),
    create: unary(async (req: pb.CreateRequest) => {
      const r = await provider.create(
        req.getType() || typeFromUrn(req.getUrn()),
        props(req.getProperties()),
      );
      return new pb.CreateResponse().setId(r.id).setProperties(struct(r.properties));
    }),
    read: unary(async (req: pb.ReadRequest) => {
      const r = await provider.read(
        req.getType() || typeFromUrn(req.getUrn()),
        req.getId(),
        props(req.getProperties()),
        props(req.getInputs()),
      );
      const res = new pb.ReadResponse();
      if (r.id)
        res
          .setId(r.id)
          .setProperties(struct(r.properties ?? {}))
          .setInputs(struct(r.inputs ?? {}));
      return res;
    }),
    update: unary(async (req: pb.UpdateRequest) => {
      const r = await provider.update(
        req.getType() || typeFromUrn(req.getUrn()),
        req.getId(),
        props(req.getOlds()),
        props(req.getNews()),
      );
      return new pb.UpdateResponse().setProperties(struct(r.properties));
    }),
    delete: unary(async (req: pb.DeleteRequest) => {
      await provider.delete(
        req.getType() || typeFromUrn(req.getUrn()),
        req.getId(),
        props(req.getProperties()),
      );
      return new emptyPb.Empty();
    }),
    // Every operation ends within its own time bounds; there is nothing to interrupt.
    cancel: unary(() => new emptyPb.Empty()),
  };
}

/** Configure's older form: `glassfish-ims:config:<key>` to text. */
function configVariables(vars: { forEach(fn: (v: string, k: string) => void): void }): WireProps {
  const out: WireProps = {};
  vars.forEach((v, k) => (out[k.slice(k.lastIndexOf(":") + 1)] = v));
  return out;
}

/** The type token in a URN (`...::<qualified type>::<name>`; the last type of a parent chain). */
export function typeFromUrn(urn: string): string {
  const parts = urn.split("::");
  const type = parts.length >= 4 ? parts[parts.length - 2] : "";
  return type.slice(type.lastIndexOf("$") + 1);
}

/**
 * Starts the service on a free loopback port and resolves with the port, which the engine reads
 * from the plugin's stdout.
 */
export function serve(
  provider = new PluginProvider(),
): Promise<{ port: number; server: grpc.Server }> {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": 400 << 20,
    "grpc.max_send_message_length": 400 << 20,
  });
  server.addService(
    providerGrpc.ResourceProviderService,
    handlers(provider) as grpc.UntypedServiceImplementation,
  );
  return new Promise((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve({ port, server }),
    ),
  );
}
