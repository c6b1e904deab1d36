// What a long step (a MAC sweep, a libvirt check) tells the user while it runs. The resource code
// takes the callback as an argument; the plugin (provider/plugin/engine-log.ts) and the dynamic
// mode's shim make it from the engine's Log service. provider/ never imports Pulumi for it.

/** Tells the user what a long step is doing now. Never throws; may drop a message. */
export type Progress = (message: string) => void;

/** What an operation may be given beyond its values. */
export interface OperationContext {
  /** Where to report progress; absent: nobody listens. */
  progress?: Progress;
  /** Awaited when the operation ends: the reports made so far have reached their listener. */
  settled?: () => Promise<void>;
}

/** A callback that tells nobody. */
export const silent: Progress = () => undefined;

/** Milliseconds as the messages show them: `850 ms`, `2.5 s`. */
export function shownMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
