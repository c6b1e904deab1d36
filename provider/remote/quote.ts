// Turning an argument array into the one command string SSH carries: the remote login shell
// (a POSIX shell) splits it back into exactly these arguments, whatever they hold.

// Words a POSIX shell reads as themselves: left bare so commands stay readable in logs.
const BARE = /^[A-Za-z0-9_\/.,:=@%+-]+$/;

/** One argument, quoted for a POSIX shell: `it's` → `'it'\''s'`. */
export function shellQuote(arg: string): string {
  if (BARE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** An argument array as one POSIX shell command line that runs exactly that argv. */
export function shellCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error("shellCommand: empty argv");
  return argv.map(shellQuote).join(" ");
}
