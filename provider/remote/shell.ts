// One long-lived POSIX shell on the remote host that runs short scripts one after another, so a
// stat or a rename costs a round trip instead of a new SSH channel and a login shell (sshd forks
// one for each exec request: measured at 20 to 40 times an SFTP request here). Each request is
// one line; the reply is framed by a random boundary, on standard output followed by the exit
// status, and on standard error, so any output (binary included) passes unchanged.
import { randomBytes } from "crypto";
import type { Duplex } from "stream";
import { shellQuote } from "./quote";

/** What one script run by the shell did. */
export interface ShellResult {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

/** The channel a shell runs on: ssh2's exec channel (stdout on it, stderr beside it). */
export interface ShellStream extends Duplex {
  stderr: NodeJS.ReadableStream;
}

/**
 * The remote loop: each line is `<boundary> <command>`; the command runs in a subshell (its
 * `exit` and `cd` stay there) with no standard input (the requests are on it), then the boundary
 * and the status follow on standard output and the boundary on standard error.
 */
export const SHELL_LOOP =
  'while IFS= read -r __r; do __b=${__r%% *}; ( eval "${__r#* }" ) </dev/null; ' +
  'printf "\\n%s %d\\n" "$__b" "$?"; printf "\\n%s\\n" "$__b" >&2; done';

/** True when the shell can take the script and its arguments: one line each. */
export function fitsShell(sh: string, args: readonly string[]): boolean {
  return ![sh, ...args].some((a) => a.includes("\n") || a.includes("\r"));
}

/**
 * How a shell lost a script: its channel `closed` while the script ran, the script outlasted its
 * bound (`timeout`), or the shell was already dead when the script's turn came, so it was never
 * written (`unsent`: it may run elsewhere).
 */
export type ShellLoss = "closed" | "timeout" | "unsent";

interface Pending {
  boundary: string;
  resolve: (r: ShellResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A shell on `stream` (started with {@link SHELL_LOOP}). Requests are queued: one runs at a
 * time. When the channel closes, or a request outlasts its bound, the pending request fails
 * with `onLost`'s error and the shell is dead (`dead` true); a new one must be opened. Requests
 * queued behind it fail with `onLost("unsent")`: they were never written.
 */
export class RemoteShell {
  private out: Buffer = Buffer.alloc(0);
  private err: Buffer = Buffer.alloc(0);
  private pending?: Pending;
  private queue: Promise<unknown> = Promise.resolve();
  /** True once the channel closed or was given up. */
  dead = false;
  /** Scripts queued or running. */
  load = 0;

  constructor(
    private readonly stream: ShellStream,
    private readonly onLost: (why: ShellLoss, ms: number) => Error,
  ) {
    stream.on("data", (d: Buffer) => {
      this.out = this.out.length ? Buffer.concat([this.out, d]) : d;
      this.settle();
    });
    stream.stderr.on("data", (d: Buffer) => {
      this.err = this.err.length ? Buffer.concat([this.err, d]) : d;
      this.settle();
    });
    stream.on("close", () => this.lose("closed", 0));
  }

  /** Runs `sh` with `$1`... set to `args` (each one line: see {@link fitsShell}). */
  run(sh: string, args: readonly string[], timeoutMs: number): Promise<ShellResult> {
    this.load++;
    const next = this.queue.then(() => this.send(sh, args, timeoutMs));
    this.queue = next.catch(() => undefined);
    return next.finally(() => this.load--);
  }

  /** Ends the shell. */
  close(): void {
    this.dead = true;
    this.stream.end();
    this.stream.destroy();
  }

  private send(sh: string, args: readonly string[], timeoutMs: number): Promise<ShellResult> {
    if (this.dead) return Promise.reject(this.onLost("unsent", 0));
    return new Promise((resolve, reject) => {
      const boundary = `gims-${randomBytes(16).toString("hex")}`;
      const timer = setTimeout(() => {
        this.lose("timeout", timeoutMs);
        this.close();
      }, timeoutMs);
      this.pending = { boundary, resolve, reject, timer };
      const set = args.length ? `set -- ${args.map(shellQuote).join(" ")}; ` : "set --; ";
      this.stream.write(`${boundary} ${set}${sh}\n`);
    });
  }

  /** Completes the pending request once both of its framed replies are in. */
  private settle(): void {
    const p = this.pending;
    if (!p) return;
    const outMark = Buffer.from(`\n${p.boundary} `);
    const at = this.out.indexOf(outMark);
    if (at < 0) return;
    const eol = this.out.indexOf(10, at + outMark.length);
    if (eol < 0) return;
    const errMark = Buffer.from(`\n${p.boundary}\n`);
    const errAt = this.err.indexOf(errMark);
    if (errAt < 0) return;
    const code = Number(this.out.subarray(at + outMark.length, eol).toString());
    const stdout = this.out.subarray(0, at);
    const stderr = this.err.subarray(0, errAt);
    this.out = this.out.subarray(eol + 1);
    this.err = this.err.subarray(errAt + errMark.length);
    clearTimeout(p.timer);
    this.pending = undefined;
    p.resolve({ code, stdout: Buffer.from(stdout), stderr: Buffer.from(stderr) });
  }

  private lose(why: "closed" | "timeout", ms: number): void {
    this.dead = true;
    const p = this.pending;
    if (!p) return;
    clearTimeout(p.timer);
    this.pending = undefined;
    p.reject(this.onLost(why, ms));
  }
}
