// The provider of Domain resources: this module's export is what Pulumi serializes (see PROVIDERS).
import { shim } from "./delegate";

export = shim("Domain");
