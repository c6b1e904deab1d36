// The engine's Log service (pulumirpc.Engine/Log), for progress: status messages of a resource,
// which the CLI shows on the resource's line while the step runs (`ephemeral`, as
// pulumi-command streams a command's output) and lists in its JSON events. Both modes use it:
// the plugin gets the engine's address as an argument, and so does the dynamic provider host
// that runs this package's code in dynamic mode.
import * as grpc from "@grpc/grpc-js";
import * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as enginePb from "@pulumi/pulumi/proto/engine_pb";
import type { OperationContext } from "../progress";

/** The engine's address among a plugin's arguments (`host:port`; flags come before it). */
export function engineAddressOf(argv: readonly string[]): string | undefined {
  return argv.find((a) => /^[\w.-]+:\d+$/.test(a));
}

/** Sends status messages about a resource to the engine. */
export interface EngineLog {
  /** Sends `message` as an ephemeral info message of resource `urn`; errors are dropped. */
  status(urn: string, message: string): void;
  /** Resolves once every message sent so far was delivered (or dropped), within a bound. */
  flush(): Promise<void>;
}

/** How long an operation's end waits for its last messages. */
const FLUSH_MS = 2000;

const REGISTRY = Symbol.for("glassfish-ims.engine-log.v1");

/**
 * The engine's Log service at `address` (a loopback `host:port` the engine gave this process).
 * One client per address and process, made on the first message: a message must not wait for a
 * connection, and a failed one only loses progress lines. Messages go one after the other, so
 * the engine shows them in the order they were said.
 */
export function engineLog(address: string): EngineLog {
  const g = globalThis as unknown as Record<symbol, Map<string, EngineLog> | undefined>;
  const all = (g[REGISTRY] ??= new Map());
  let log = all.get(address);
  if (!log) {
    let client: engineGrpc.EngineClient | undefined;
    let queue = Promise.resolve();
    const send = (req: enginePb.LogRequest) =>
      new Promise<void>((resolve) => {
        try {
          client ??= new engineGrpc.EngineClient(address, grpc.credentials.createInsecure());
          client.log(req, new grpc.Metadata(), { deadline: Date.now() + FLUSH_MS }, () =>
            resolve(),
          );
        } catch {
          // Progress is best effort: the operation goes on without it.
          resolve();
        }
      });
    log = {
      status(urn: string, message: string) {
        const req = new enginePb.LogRequest()
          .setSeverity(enginePb.LogSeverity.INFO)
          .setMessage(message)
          .setUrn(urn)
          .setEphemeral(true);
        queue = queue.then(() => send(req));
      },
      flush() {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((r) => (timer = setTimeout(r, FLUSH_MS)));
        return Promise.race([queue, late]).finally(() => clearTimeout(timer));
      },
    };
    all.set(address, log);
  }
  return log;
}

/** The context of an operation on resource `urn`: progress to the engine's log, when both are known. */
export function contextFor(log: EngineLog | undefined, urn: string | undefined): OperationContext {
  if (!log || !urn) return {};
  return { progress: (message) => log.status(urn, message), settled: () => log.flush() };
}

/**
 * The context of a dynamic-mode operation, for the SDK's shim: the dynamic provider host is
 * started with the engine's address as its argument, and the resource's URN is its `__urn`
 * input (absent in a refresh's state: no progress then).
 */
export function dynamicContext(values: unknown): OperationContext {
  const urn = (values as Record<string, unknown> | undefined)?.__urn;
  const address = engineAddressOf(process.argv.slice(2));
  return contextFor(
    address ? engineLog(address) : undefined,
    typeof urn === "string" ? urn : undefined,
  );
}
