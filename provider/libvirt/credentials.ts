// What in a libvirt URI must never be shown (passwords) and what makes the DAS run a program or
// open a local file on the URI's say (libvirt's remote URI parameters).

/** Shown instead of a credential. */
export const REDACTED = "***";

/** Query parameters whose value is a credential: `password`, `passwd`, `pwd`, `secret`, `token`... */
const CREDENTIAL_PARAM = /pass|pwd|secret|token|credential|apikey|api_key/i;

/**
 * libvirt's remote URI parameters that run a program (`command`: instead of ssh, or the `ext`
 * transport's program; `netcat`: the command run on the remote side) or make the DAS use a local
 * file or socket of the URI's choosing (`socket`; libssh's `known_hosts`, which
 * `known_hosts_verify=auto` appends to).
 */
export const PROGRAM_PARAMS = [
  "command",
  "netcat",
  "socket",
  "known_hosts",
  "known_hosts_verify",
] as const;

interface Parts {
  /** `scheme://` */
  scheme: string;
  /** `user`, `user:pw`, or undefined without `@`. */
  userinfo?: string;
  /** Host, port and path: everything up to `?`. */
  rest: string;
  /** `name=value` pairs in order (undecoded); undefined when there is no `?`. */
  query?: Array<[string, string | undefined]>;
}

function split(uri: string): Parts | undefined {
  // A template's scheme may hold macros (`qemu#{auth.sep}#{auth.method}://`).
  const m = /^([a-z](?:[a-z0-9+.-]|#\{[^}]*\})*:\/\/)([^?]*)(?:\?(.*))?$/is.exec(uri);
  if (!m) return undefined;
  const [, scheme, authorityAndPath, query] = m;
  const slash = authorityAndPath.indexOf("/");
  const authority = slash < 0 ? authorityAndPath : authorityAndPath.slice(0, slash);
  const at = authority.lastIndexOf("@");
  return {
    scheme,
    userinfo: at < 0 ? undefined : authority.slice(0, at),
    rest: at < 0 ? authorityAndPath : authorityAndPath.slice(at + 1),
    query:
      query === undefined
        ? undefined
        : query.split("&").map((p): [string, string | undefined] => {
            const eq = p.indexOf("=");
            return eq < 0 ? [p, undefined] : [p.slice(0, eq), p.slice(eq + 1)];
          }),
  };
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

function isCredential(name: string): boolean {
  return CREDENTIAL_PARAM.test(decode(name));
}

/**
 * The URI with every credential replaced: `user:pw@` becomes `user@`, and the value of a query
 * parameter named like a password (`password`, `passwd`, `pwd`, `secret`, `token`, ...) becomes
 * `***`. Anything that is not a `scheme://` URI is shown as `***` whole.
 */
export function redactUri(uri: string): string {
  const p = split(uri);
  if (!p) return REDACTED;
  const user = p.userinfo === undefined ? "" : `${p.userinfo.split(":")[0]}@`;
  const query =
    p.query === undefined
      ? ""
      : `?${p.query
          .map(([k, v]) => (v === undefined ? k : `${k}=${isCredential(k) ? REDACTED : v}`))
          .join("&")}`;
  return `${p.scheme}${user}${p.rest}${query}`;
}

/** The credential values a URI carries, as written and decoded; longest first. */
export function credentialsOf(uri: string): string[] {
  const p = split(uri);
  if (!p) return uri === "" ? [] : [uri];
  const found: string[] = [];
  const colon = p.userinfo?.indexOf(":") ?? -1;
  if (p.userinfo !== undefined && colon >= 0) found.push(p.userinfo.slice(colon + 1));
  for (const [k, v] of p.query ?? []) if (v !== undefined && isCredential(k)) found.push(v);
  const all = new Set(found.flatMap((v) => [v, decode(v)]).filter((v) => v !== ""));
  return [...all].sort((a, b) => b.length - a.length);
}

/**
 * `text` with every credential of `uri` replaced by `***`, wherever it appears (libvirt and ssh
 * may echo parts of the URI in their messages).
 */
export function scrub(text: string, uri: string): string {
  let out = text.split(uri).join(redactUri(uri));
  for (const secret of credentialsOf(uri)) out = out.split(secret).join(REDACTED);
  return out;
}

/**
 * The parts of a URI (or template) that run a program or name a local file or socket: the
 * {@link PROGRAM_PARAMS} it sets, and `+ext` (a transport that is nothing but a program).
 */
export function programParameters(uri: string): string[] {
  const p = split(uri);
  if (!p) return [];
  const found: string[] = [];
  if (/\+ext:\/\/$/i.test(p.scheme)) found.push("the ext transport");
  for (const [k] of p.query ?? []) {
    const name = decode(k).toLowerCase();
    if ((PROGRAM_PARAMS as readonly string[]).includes(name) && !found.includes(`${name}=`)) {
      found.push(`${name}=`);
    }
  }
  return found;
}
