import * as pulumi from "@pulumi/pulumi";
import domain = require("./kinds/domain");
import domainStart = require("./kinds/domain-start");
import machine = require("./kinds/machine");
import machineUser = require("./kinds/machine-user");
import poolUser = require("./kinds/pool-user");
import serverPool = require("./kinds/server-pool");
import virtualization = require("./kinds/virtualization");

/**
 * One shim per resource kind, each the export of a module of its own. Pulumi serializes a value
 * that is a module's export from an installed package (under node_modules) as a `require` of
 * that module: the state then holds `require("glassfish-ims/dist/sdk/kinds/machine.js")` (about
 * 300 characters) instead of the shim's code (about 2,000), twice per resource (inputs and
 * outputs). From a checkout that is not installed (a symlink, as in this repository's own tests)
 * the module counts as local and the shim is serialized by value, as before. Pulumi also caches
 * serialization by object identity.
 */
export const PROVIDERS = {
  Virtualization: virtualization,
  ServerPool: serverPool,
  PoolUser: poolUser,
  Machine: machine,
  MachineUser: machineUser,
  Domain: domain,
  DomainStart: domainStart,
} as const;

/** The type-token module: `pulumi-nodejs:dynamic/glassfish-ims:<Type>`. */
export const MODULE = "glassfish-ims";

/**
 * The resource's own URN as the `__urn` input: the create journal (provider/resources/journal.ts)
 * lets a create take an element already in the file only when this resource claimed it, and the
 * dynamic provider host hands `create` the inputs alone. The engine does not display `__` keys.
 */
export function urnInput(
  type: string,
  name: string,
  opts: pulumi.CustomResourceOptions | undefined,
): { __urn: pulumi.Output<string> } {
  return { __urn: pulumi.createUrn(name, `pulumi-nodejs:dynamic/${MODULE}:${type}`, opts?.parent) };
}

/**
 * Output properties every resource declares, seeded as undefined so the engine fills them.
 * (`stateVersion` is in the state but declared by no class: seeding it would only cost the
 * program one more Output per resource.)
 */
export const COMMON_OUTPUTS = {
  restartRequired: undefined,
  xmlDigest: undefined,
} as const;

/**
 * The given inputs that are set. Inputs that no class declares as an output are passed only
 * when set: each property handed to the SDK costs it an Output (promises and a stack trace) per
 * resource, and the provider sees no difference (undefined inputs are never sent).
 */
export function setOnly<T extends object>(inputs: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(inputs) as Array<keyof T>) {
    if (inputs[k] !== undefined) out[k] = inputs[k];
  }
  return out;
}
