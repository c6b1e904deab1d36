// The entry point of the plugin `pulumi-resource-glassfish-ims` (bin/ starts it with node): the
// engine starts it with its own address as an argument and reads the port from stdout.
import { startWatchdog, systemEffects } from "../watchdog";
import { engineAddressOf, engineLog } from "./engine-log";
import { PluginProvider } from "./provider";
import { serve } from "./server";

const engine = engineAddressOf(process.argv.slice(2));
// Long steps (a MAC sweep, a libvirt check) report their progress to the engine's log.
serve(new PluginProvider(undefined, engine ? engineLog(engine) : undefined)).then(
  ({ port }) => {
    // A plugin runs in a process group of its own: when the engine is killed, nobody ends it.
    if (engine) startWatchdog(systemEffects(engine, process.ppid));
    process.stdout.write(`${port}\n`);
  },
  (e: unknown) => {
    process.stderr.write(`glassfish-ims plugin: cannot listen: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
