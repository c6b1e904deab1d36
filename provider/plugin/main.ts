// The entry point of the plugin `pulumi-resource-glassfish-ims` (bin/ starts it with node): the
// engine starts it with its own address as an argument and reads the port from stdout.
import { startWatchdog, systemEffects } from "../watchdog";
import { serve } from "./server";

/** The engine's address among the plugin's arguments (`host:port`; flags come before it). */
function engineAddressOf(argv: readonly string[]): string | undefined {
  return argv.find((a) => /^[\w.-]+:\d+$/.test(a));
}

serve().then(
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
