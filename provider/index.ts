import * as virtualization from "./resources/virtualization";

/** The operations of one resource kind, called by the SDK's serialized shim. */
export interface ResourceOperations {
  check(olds: unknown, news: unknown): Promise<unknown> | unknown;
  diff(id: string, olds: unknown, news: unknown): Promise<unknown> | unknown;
  create(inputs: unknown): Promise<unknown>;
  read(id: string, props: unknown): Promise<unknown>;
  update(id: string, olds: unknown, news: unknown): Promise<unknown>;
  delete(id: string, props: unknown): Promise<void>;
}

/** The provider of each resource kind, by the type name in its token. */
export const providers: Record<string, ResourceOperations> = {
  Virtualization: {
    check: virtualization.check,
    diff: virtualization.diff,
    create: virtualization.create as ResourceOperations["create"],
    read: virtualization.read as ResourceOperations["read"],
    update: virtualization.update as ResourceOperations["update"],
    delete: virtualization.remove as ResourceOperations["delete"],
  },
};
