// The entry point of the plugin `pulumi-resource-glassfish-ims` (bin/ starts it with node): the
// engine starts it with its own address as an argument and reads the port from stdout.
import { startPlugin } from "./start";

startPlugin();
