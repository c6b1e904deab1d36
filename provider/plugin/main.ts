// The entry point of the plugin `pulumi-resource-glassfish-ims` (bin/ starts it with node): the
// engine starts it with its own address as an argument and reads the port from stdout.
import { engineAddressOf, engineLog } from "./engine-log";
import { PluginProvider } from "./provider";
import { startPlugin } from "./start";

const engine = engineAddressOf(process.argv.slice(2));
// Long steps (a MAC sweep, a libvirt check) report their progress to the engine's log.
startPlugin(new PluginProvider(undefined, engine ? engineLog(engine) : undefined));
