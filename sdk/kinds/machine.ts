// The provider of Machine resources: this module's export is what Pulumi serializes (see PROVIDERS).
import { shim } from "./delegate";

export = shim("Machine");
