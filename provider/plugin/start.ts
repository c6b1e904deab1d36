// Starting a plugin process: serve the calls, watch the engine, print the port. Shared by the
// plugin's entry point (main.ts) and the benchmark's no-op floor (bench/native-floor.ts).
import { startWatchdog, systemEffects } from "../watchdog";
import type { PluginCalls } from "./calls";
import { engineAddressOf } from "./engine-log";
import { serve } from "./server";

/**
 * Serves `provider` as this process's plugin: the engine reads the port from stdout. A failure
 * to listen ends the process with status 1 and one line on stderr.
 */
export function startPlugin(provider?: PluginCalls): void {
  serve(provider).then(
    ({ port }) => {
      // A plugin runs in a process group of its own: when the engine is killed, nobody ends it.
      const engine = engineAddressOf(process.argv.slice(2));
      if (engine) startWatchdog(systemEffects(engine, process.ppid));
      process.stdout.write(`${port}\n`);
    },
    (e: unknown) => {
      process.stderr.write(`glassfish-ims plugin: cannot listen: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
