/** Stable error codes: callers branch on these, never on `instanceof`. */
export type ImsErrorCode =
  | "ALREADY_EXISTS"
  | "CONCURRENT_MODIFICATION"
  | "CONNECTION_REFUSED"
  | "CONNECT_TIMEOUT"
  | "DAS_HOST_TOOL_MISSING"
  | "DOMAIN_RUNNING"
  | "DOMAIN_START_FAILED"
  | "DOMAIN_STOP_FAILED"
  | "FILE_NOT_FOUND"
  | "FILE_READONLY"
  | "GLASSFISH_WITHOUT_IMS"
  | "INVALID_INPUT"
  | "IO_ERROR"
  | "LIBVIRT_DAEMON_DOWN"
  | "LIBVIRT_ERROR"
  | "LIBVIRT_SOCKET_PERMISSION"
  | "LOCK_TIMEOUT"
  | "MAC_CONFLICT"
  | "MAC_NOT_FOUND"
  | "NOT_A_DOMAIN"
  | "NOT_OWNED"
  | "NO_PORT_ON_SUBNET"
  | "OUTPUT_MALFORMED"
  | "PARENT_NOT_FOUND"
  | "PLATFORM_UNSUPPORTED"
  | "SSH_AUTH"
  | "SSH_ERROR"
  | "SSH_HOST_KEY"
  | "SWEEP_FAILED"
  | "SWEEP_TOO_LARGE"
  | "UNSAFE_PATH"
  | "UNSUPPORTED_ENCODING"
  | "URI_NOT_ALLOWED"
  | "XML_MALFORMED";

const BRAND = Symbol.for("glassfish-ims.error");

/**
 * An error of this provider: a stable `code`, a message that says what to do, and the low-level
 * error as `cause`. The message starts with `glassfish-ims <CODE>:` so it stays recognisable
 * after the engine wraps it.
 */
export class ImsError extends Error {
  /** Brand checked by {@link isImsError}; survives several loaded copies of this module. */
  readonly [BRAND] = true;

  constructor(
    /** What kind of failure this is. */
    readonly code: ImsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`glassfish-ims ${code}: ${message}`, options);
    this.name = "ImsError";
  }
}

/** True when `e` is an {@link ImsError}, optionally of the given code. */
export function isImsError(e: unknown, code?: ImsErrorCode): e is ImsError {
  return (
    typeof e === "object" &&
    e !== null &&
    (e as Record<symbol, unknown>)[BRAND] === true &&
    (code === undefined || (e as ImsError).code === code)
  );
}
