import { Duplex, PassThrough } from "stream";
import { RemoteShell, type ShellLoss, type ShellStream } from "../../provider/remote/shell";

// The shell's bookkeeping over an in-process stream pair: what it writes, and how it fails a
// script when its channel is gone.

/** A channel whose far end the test plays: `written` holds what the shell sent. */
function channel(): { stream: ShellStream; written: string[] } {
  const written: string[] = [];
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, done) {
      written.push(chunk.toString());
      done();
    },
  }) as unknown as ShellStream;
  stream.stderr = new PassThrough();
  return { stream, written };
}

const lostAs = (why: ShellLoss) => Object.assign(new Error(why), { why });

describe("RemoteShell", () => {
  it("fails a script whose shell closed before its turn as unsent, writing nothing", async () => {
    const { stream, written } = channel();
    const shell = new RemoteShell(stream, lostAs);
    stream.emit("close");
    await expect(shell.run("echo hi", [], 1000)).rejects.toMatchObject({ why: "unsent" });
    expect(written).toEqual([]);
    expect(shell.dead).toBe(true);
  });

  it("fails a script already written when its channel closes as closed", async () => {
    const { stream, written } = channel();
    const shell = new RemoteShell(stream, lostAs);
    const running = shell.run("sleep 5", [], 10_000);
    while (written.length === 0) await new Promise((r) => setImmediate(r));
    stream.emit("close");
    await expect(running).rejects.toMatchObject({ why: "closed" });
    expect(written).toHaveLength(1);
  });
});
