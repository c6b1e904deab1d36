import type * as pulumi from "@pulumi/pulumi";

/**
 * `opts` with `names` added to `additionalSecretOutputs`: outputs that may carry credentials are
 * encrypted in the state and shown as `[secret]`, whatever the program or the file gave. A dynamic
 * provider cannot mark its own outputs secret (a `pulumi.secret` it returns is not kept), so the
 * resource asks for it.
 */
export function withSecretOutputs<T extends pulumi.CustomResourceOptions>(
  opts: T | undefined,
  names: readonly string[],
): T {
  const have = opts?.additionalSecretOutputs ?? [];
  return {
    ...(opts ?? ({} as T)),
    additionalSecretOutputs: [...have, ...names.filter((n) => !have.includes(n))],
  };
}
