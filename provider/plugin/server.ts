// The ResourceProvider gRPC service of the plugin `pulumi-resource-glassfish-ims`, implemented
// over @pulumi/pulumi's generated protocol classes and @grpc/grpc-js (not provider.main, whose
// 3.259.0 version drops detailed diffs, crashes on import and leaves CheckConfig unimplemented).
// Each handler converts the request's Structs to plain maps and calls PluginProvider.
import * as grpc from "@grpc/grpc-js";
import * as emptyPb from "google-protobuf/google/protobuf/empty_pb";
import * as structPb from "google-protobuf/google/protobuf/struct_pb";
import { readFileSync } from "fs";
import * as net from "net";
import * as path from "path";
import * as pluginPb from "@pulumi/pulumi/proto/plugin_pb";
import * as providerGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as pb from "@pulumi/pulumi/proto/provider_pb";
import { refusal, type Connection } from "./peer";
import { configFailures, PluginProvider, type PluginDiff } from "./provider";
import type { PluginCalls } from "./calls";
import type { WireProps } from "./wire";

/** The package root (schema.json, package.json), from dist/provider/plugin or provider/plugin. */
export function packageRoot(): string {
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

/**
 * The service's handlers, over one {@link PluginCalls} (the real {@link PluginProvider}, or the
 * benchmark's no-op floor). Methods left out answer UNIMPLEMENTED.
 */
export function handlers(
  provider: PluginCalls = new PluginProvider(),
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
    // The one configuration is `connection` (the DAS host): checked at preview like any input;
    // any other key but the engine's own is a mistake to name.
    checkConfig: unary((req: pb.CheckRequest) => {
      const news = props(req.getNews()) ?? {};
      const res = new pb.CheckResponse().setInputs(req.getNews());
      return res.setFailuresList([
        ...unknownConfigKeys(news).map((key) =>
          new pb.CheckFailure()
            .setProperty("")
            .setReason(
              `unknown provider configuration key ${JSON.stringify(key)}: the glassfish-ims provider takes only connection (the DAS host; each resource names its domainXml); remove it (pulumi config rm glassfish-ims:${key})`,
            ),
        ),
        ...configFailures(news).map((f) =>
          new pb.CheckFailure().setProperty(f.property).setReason(f.reason),
        ),
      ]);
    }),
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
        req.getUrn(),
      );
      return new pb.CreateResponse().setId(r.id).setProperties(struct(r.properties));
    }),
    read: unary(async (req: pb.ReadRequest) => {
      const r = await provider.read(
        req.getType() || typeFromUrn(req.getUrn()),
        req.getId(),
        props(req.getProperties()),
        props(req.getInputs()),
        req.getUrn(),
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
        req.getUrn(),
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

/** Keys the engine itself puts into a provider's configuration. */
const ENGINE_CONFIG_KEYS = ["version", "pluginDownloadURL"];

/** The configuration keys this provider does not know: all but the engine's own and connection. */
export function unknownConfigKeys(config: Record<string, unknown>): string[] {
  return Object.keys(config).filter(
    (k) => !ENGINE_CONFIG_KEYS.includes(k) && k !== "connection" && !k.startsWith("__"),
  );
}

/** The type token in a URN (`...::<qualified type>::<name>`; the last type of a parent chain). */
export function typeFromUrn(urn: string): string {
  const parts = urn.split("::");
  const type = parts.length >= 4 ? parts[parts.length - 2] : "";
  return type.slice(type.lastIndexOf("$") + 1);
}

/** Decides whether an accepted connection may reach the service: why not, or undefined. */
export type CallerCheck = (c: Connection) => string | undefined;

/**
 * Only the engine that started this process, or a process of its tree: the caller's socket,
 * looked up in the kernel's tables, must be held by them (see peer.ts). The engine is the parent
 * as it was at start (bin/ execs node, so no shell sits between them). Off Linux the kernel's
 * tables are not readable this way: every caller is accepted, and a line on stderr says so.
 */
export function engineOnly(engine = process.ppid): CallerCheck | undefined {
  if (process.platform !== "linux") {
    process.stderr.write(
      `glassfish-ims plugin: on ${process.platform} the caller of the plugin's port is not checked (Linux only): any local user can call it\n`,
    );
    return undefined;
  }
  return (c) => refusal(c, engine);
}

/** What {@link serve} resolves with. */
export interface Serving {
  /** The loopback port the engine dials. */
  port: number;
  /** The gRPC server, over the connections that passed the caller check. */
  server: grpc.Server;
  /** Stops accepting and ends every connection. */
  close(): void;
}

/**
 * Starts the service on a free loopback port and resolves with the port, which the engine reads
 * from the plugin's stdout. Each accepted TCP connection is handed to gRPC only once `allow`
 * passes it; a refused one is closed at once, with one line on stderr.
 */
export function serve(
  provider: PluginCalls = new PluginProvider(),
  allow: CallerCheck | undefined = engineOnly(),
): Promise<Serving> {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": 400 << 20,
    "grpc.max_send_message_length": 400 << 20,
  });
  server.addService(
    providerGrpc.ResourceProviderService,
    handlers(provider) as grpc.UntypedServiceImplementation,
  );
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const listener = net.createServer({ pauseOnConnect: true }, (socket) => {
    const c = {
      remoteAddress: socket.remoteAddress ?? "",
      remotePort: socket.remotePort ?? 0,
      localAddress: socket.localAddress ?? "",
      localPort: socket.localPort ?? 0,
    };
    Promise.resolve()
      .then(() => allow?.(c))
      .catch((e: unknown) => `the caller check failed: ${(e as Error).message}`)
      .then((why) => {
        if (why === undefined && !socket.destroyed) {
          injector.injectConnection(socket);
          socket.resume();
          return;
        }
        if (why !== undefined) {
          process.stderr.write(
            `glassfish-ims plugin: refused a connection from ${c.remoteAddress}:${c.remotePort}: ${why}\n`,
          );
        }
        socket.destroy();
      });
  });
  return new Promise((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(0, "127.0.0.1", () => {
      listener.off("error", reject);
      resolve({
        port: (listener.address() as net.AddressInfo).port,
        server,
        close: () => {
          listener.close();
          injector.destroy();
          server.forceShutdown();
        },
      });
    });
  });
}
