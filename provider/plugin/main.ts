// The entry point of the plugin `pulumi-resource-glassfish-ims` (bin/ starts it with node): the
// engine starts it with its own address as the last argument and reads the port from stdout.
import { serve } from "./server";

serve().then(
  ({ port }) => process.stdout.write(`${port}\n`),
  (e: unknown) => {
    process.stderr.write(`glassfish-ims plugin: cannot listen: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
