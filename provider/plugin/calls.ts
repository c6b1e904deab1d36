// What the gRPC server (server.ts) asks of the provider behind it, over plain property maps: the
// real PluginProvider, or the benchmark's no-op floor (bench/native-floor.ts), which serves the
// same schema through the same server code and does no work.
import type { PluginCheck, PluginDiff, PluginRead } from "./provider";
import type { WireProps } from "./wire";

/** The resource calls the gRPC service routes to; each takes and returns wire property maps. */
export interface PluginCalls {
  /** Takes the provider configuration; throws when it is invalid. */
  configure(config: WireProps | undefined): void;
  /** Validates and normalizes a resource's inputs. */
  check(
    token: string,
    urn: string,
    name: string,
    olds: WireProps | undefined,
    news: WireProps | undefined,
  ): Promise<PluginCheck>;
  /** What changed between the recorded and the new inputs. */
  diff(
    token: string,
    id: string,
    olds: WireProps | undefined,
    news: WireProps | undefined,
  ): PluginDiff;
  /** Creates the resource: its ID and the state to record. */
  create(
    token: string,
    props: WireProps | undefined,
    urn?: string,
  ): Promise<{ id: string; properties: WireProps }>;
  /** What the resource is now; no `id` when it is gone. */
  read(
    token: string,
    id: string,
    props: WireProps | undefined,
    inputs: WireProps | undefined,
    urn?: string,
  ): Promise<PluginRead>;
  /** Updates the resource in place: the state to record. */
  update(
    token: string,
    id: string,
    olds: WireProps | undefined,
    news: WireProps | undefined,
    urn?: string,
  ): Promise<{ properties: WireProps }>;
  /** Deletes the resource; already gone is fine. */
  delete(token: string, id: string, props: WireProps | undefined, urn?: string): Promise<void>;
}
