// The store's two kinds of effects, for suites that run once through each: this machine's file
// system, and the same files through a real sshd on a loopback port (test/support/sshd.ts), so
// the remote effects meet every case the local ones do and the suite reads the bytes as before.
import type { DasConnection } from "../../provider/remote/connection";
import { closeAllSessions } from "../../provider/remote/session";
import type { Host } from "../../provider/store/effects";
import { localHost } from "../../provider/store/local";
import { sshHost } from "../../provider/store/remote";
import type { DomainLocation } from "../../provider/store/store";
import { sshdMissing, startLoopbackSshd, type LoopbackSshd } from "./sshd";

/** One kind of effects a suite runs through. */
export interface StoreTarget {
  /** `local` or `ssh`, for the suite's name. */
  name: string;
  /** Starts what the target needs (beforeAll). */
  start(): Promise<void>;
  /** Ends it (afterAll). */
  stop(): Promise<void>;
  /** How the store is told where `file` is. */
  at(file: string): DomainLocation;
  /** The effects themselves, for the parts of the store that take a `Host`. */
  host(): Host;
  /** The inputs a resource needs on top of `domainXml` to reach `file` (`{}` locally). */
  inputs(): { connection?: DasConnection };
  /** `file` as the store's messages name it. */
  shown(file: string): string;
  /** The loopback sshd of the `ssh` target. */
  sshd?: LoopbackSshd;
}

const local: StoreTarget = {
  name: "local",
  start: async () => undefined,
  stop: async () => undefined,
  at: (file) => file,
  host: () => localHost,
  inputs: () => ({}),
  shown: (file) => file,
};

function ssh(): StoreTarget {
  const t: StoreTarget = {
    name: "ssh",
    start: async () => {
      t.sshd = await startLoopbackSshd();
    },
    stop: async () => {
      closeAllSessions();
      await t.sshd?.stop();
    },
    at: (file) => ({ host: t.host(), path: file }),
    host: () => sshHost(t.inputs().connection as DasConnection),
    inputs: () => {
      if (!t.sshd) throw new Error("the ssh target is not started");
      return { connection: t.sshd.connection };
    },
    shown: (file) => `root@127.0.0.1:${t.sshd?.connection.port}:${file}`,
  };
  return t;
}

/**
 * The targets a store suite runs through: local always, ssh where a loopback sshd can run (root,
 * openssh-server; `npm test` installs it). Use with `describe.each(storeTargets())`.
 */
export function storeTargets(): StoreTarget[] {
  return sshdMissing() ? [local] : [local, ssh()];
}
