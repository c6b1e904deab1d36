import type * as pulumi from "@pulumi/pulumi";

/**
 * The package path the serialized shim loads the provider from. The dynamic provider host
 * resolves it from the Pulumi program's directory, where `glassfish-ims` is installed.
 */
export const PROVIDER_MODULE = "glassfish-ims/dist/provider";

/**
 * Builds the small provider object Pulumi serializes into every resource's state. It holds no
 * logic: each call loads the installed provider module and delegates, so a newer installed
 * version serves older state. Each kind's object is the whole export of its own module in
 * `kinds/` (see {@link PROVIDERS}). Writes also get the progress callback of their resource
 * (the provider's `dynamicContext`: the engine's log, from the dynamic provider host's engine
 * address and the `__urn` input; an older provider without it gets none).
 */
export function shim(kind: string): pulumi.dynamic.ResourceProvider {
  const load = () => require(PROVIDER_MODULE).providers[kind];
  const ctx = (values: unknown) => require(PROVIDER_MODULE).dynamicContext?.(values);
  return {
    check: (olds, news) => load().check(olds, news),
    diff: (id, olds, news) => load().diff(id, olds, news),
    create: (inputs) => load().create(inputs, ctx(inputs)),
    read: (id, props) => load().read(id, props, ctx(props)),
    update: (id, olds, news) => load().update(id, olds, news, ctx(news)),
    delete: (id, props) => load().delete(id, props),
  };
}
