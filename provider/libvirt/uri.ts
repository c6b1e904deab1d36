import { ImsError } from "../errors";
import { redactUri } from "./credentials";
import { MACROS } from "./presets";

/** The user a machine is reached as: its own `<user>` if it has one, else the pool's. */
export interface EffectiveUser {
  name: string;
  /** libvirt transport; "" means none (a local connection). @default "ssh" */
  authMethod?: string;
}

/** What a connection-string template is expanded for. */
export interface Target {
  /** A `localhost` machine: the DAS host itself, connected to locally. */
  localhost: boolean;
  /** The machine's IPv4 address (fixed or discovered); unused for localhost. */
  host?: string;
  /** The effective user; unused for localhost. */
  user?: EffectiveUser;
}

const SAFE_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const SAFE_HOST = /^\d{1,3}(\.\d{1,3}){3}$/;
const SAFE_METHOD = /^[a-z0-9]*$/;

/**
 * Expands a connection-string template for one machine (SPEC §3):
 * `#{auth.sep}` is `+` and `#{auth.method}` the user's auth method (default `ssh`), both empty
 * when the method is empty; `#{user.name}` is the user's name and `#{target.host}` the machine's
 * address. A `localhost` machine connects locally: no auth method, no user (the `@` goes with
 * it), no host, so the kvm template gives `qemu:///system`. Values that would change the URI's
 * shape, and macros other than those four, are refused.
 */
export function expandConnectionString(template: string, target: Target): string {
  const unknown = (template.match(/#\{[^}]*\}/g) ?? []).filter(
    (m) => !(MACROS as readonly string[]).includes(m),
  );
  if (unknown.length > 0) {
    throw new ImsError(
      "INVALID_INPUT",
      `connection string ${JSON.stringify(redactUri(template))} uses unknown macro ${unknown.join(", ")}: allowed are ${MACROS.join(", ")}`,
    );
  }
  const method = target.localhost ? "" : (target.user?.authMethod ?? "ssh");
  const user = target.localhost ? "" : (target.user?.name ?? "");
  const host = target.localhost ? "" : (target.host ?? "");
  if (!SAFE_METHOD.test(method)) throw unsafe("auth method", method);
  if (user !== "" && !SAFE_USER.test(user)) throw unsafe("user name", user);
  if (host !== "" && !SAFE_HOST.test(host)) throw unsafe("host", host);
  if (!target.localhost && template.includes("#{target.host}") && host === "") {
    throw new ImsError(
      "INVALID_INPUT",
      "the machine has no address yet: a connection string with #{target.host} needs one",
    );
  }
  return (
    template
      .replace(/#\{auth\.sep\}/g, method === "" ? "" : "+")
      .replace(/#\{auth\.method\}/g, method)
      // No user (a localhost machine): its password goes with it, or `://:pw@/` would remain.
      .replace(/#\{user\.name\}(:[^@/?]*)?@/g, (_m, pw: string | undefined) =>
        user === "" ? "" : `${user}${pw ?? ""}@`,
      )
      .replace(/#\{user\.name\}/g, user)
      .replace(/#\{target\.host\}/g, host)
  );
}

function unsafe(what: string, value: string): ImsError {
  return new ImsError(
    "INVALID_INPUT",
    `${what} ${JSON.stringify(value)} cannot go into a libvirt URI: it would change the URI's structure`,
  );
}
