// The plugin's gRPC service on a loopback port, called as the engine calls it: for tests of the
// plugin's server over the real calls or the benchmark's no-op floor.
import * as grpc from "@grpc/grpc-js";
import * as structPb from "google-protobuf/google/protobuf/struct_pb";
import * as providerGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import type { PluginCalls } from "../../provider/plugin/calls";
import { serve } from "../../provider/plugin/server";

/** A served plugin and a client of it; `close()` ends both. */
export interface Served {
  client: providerGrpc.ResourceProviderClient;
  port: number;
  close(): void;
}

/** Serves `calls` through the plugin's server on a loopback port and connects a client. */
export async function serveCalls(calls: PluginCalls): Promise<Served> {
  const serving = await serve(calls);
  const client = new providerGrpc.ResourceProviderClient(
    `127.0.0.1:${serving.port}`,
    grpc.credentials.createInsecure(),
  );
  return {
    client,
    port: serving.port,
    close: () => {
      client.close();
      serving.close();
    },
  };
}

/** One unary call as a promise. */
export function call<Res>(
  invoke: (cb: (e: grpc.ServiceError | null, r: Res) => void) => unknown,
): Promise<Res> {
  return new Promise((resolve, reject) => invoke((e, r) => (e ? reject(e) : resolve(r))));
}

/** A protobuf Struct of plain values. */
export const struct = (v: Record<string, unknown>) =>
  structPb.Struct.fromJavaScript(v as Record<string, structPb.JavaScriptValue>);
