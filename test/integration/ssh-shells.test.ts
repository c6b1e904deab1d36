import { execFileSync } from "child_process";
import {
  closeSync,
  constants,
  existsSync,
  openSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "fs";
import * as os from "os";
import * as path from "path";
import {
  closeAllSessions,
  remoteHost,
  sessionsOpened,
  urgently,
} from "../../provider/remote/session";
import { sshHost } from "../../provider/store/remote";
import { sshdMissing, startLoopbackSshd, type LoopbackSshd } from "../support/sshd";

// The session's shells, its counters and the remote read's own timing, against a real sshd on a
// loopback port (the same file system as the test).
jest.setTimeout(120_000);

const missing = sshdMissing();
if (missing) console.warn(`SKIPPED ssh shell tests: ${missing}`);

(missing ? describe.skip : describe)("scripts over one SSH session", () => {
  let sshd: LoopbackSshd;
  let dir: string;
  let stats: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "gf-ims-shells-"));
    stats = path.join(dir, "stats");
    mkdirSync(stats);
    // Read when a counter changes: set before the first session of this file's module copy.
    process.env.GLASSFISH_IMS_SSH_STATS = stats;
    sshd = await startLoopbackSshd();
  });
  afterAll(async () => {
    closeAllSessions();
    delete process.env.GLASSFISH_IMS_SSH_STATS;
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs a script while another one of the same session is still running", async () => {
    const r = await remoteHost(sshd.connection);
    const flag = path.join(dir, "flag");
    // The first waits (up to 20 s) for a file only the second creates: in one shell, the second
    // would queue behind the first, which would then give up and exit 1.
    const waiting = r.script(
      'i=0; while [ ! -e "$1" ]; do i=$((i + 1)); [ "$i" -gt 400 ] && exit 1; sleep 0.05; done; echo seen',
      [flag],
    );
    const creating = r.script(': > "$1"; echo made', [flag]);
    const [a, b] = await Promise.all([waiting, creating]);
    expect({ code: b.code, out: b.stdout.toString() }).toEqual({ code: 0, out: "made\n" });
    expect({ code: a.code, out: a.stdout.toString() }).toEqual({ code: 0, out: "seen\n" });
    expect(sessionsOpened()).toBe(1);
  });

  it("writes its session and request counts to GLASSFISH_IMS_SSH_STATS's directory", async () => {
    const r = await remoteHost(sshd.connection);
    const fs = await r.sftp();
    await fs.stat("/");
    await r.script("exit 0", []);
    const files = readdirSync(stats);
    expect(files).toEqual([`ssh-${process.pid}.txt`]);
    const [sessions, requests] = readFileSync(path.join(stats, files[0]), "utf8")
      .trim()
      .split(/ +/)
      .map(Number);
    // The two scripts of the test before, one SFTP stat and one script here.
    expect({ sessions, requests }).toEqual({ sessions: 1, requests: 4 });
  });

  it("tells how long a remote read took on the host itself", async () => {
    const file = path.join(dir, "domain.xml");
    writeFileSync(file, "<domain/>\n");
    const read = await sshHost(sshd.connection).readRegular(file);
    expect(read.bytes?.toString()).toBe("<domain/>\n");
    expect(read.st.isFile).toBe(true);
    expect(typeof read.hostMs).toBe("number");
    expect(read.hostMs).toBeGreaterThanOrEqual(0);
  });

  it("starts an urgent script before the scripts already waiting for a shell", async () => {
    const r = await remoteHost(sshd.connection);
    const log = path.join(dir, "started");
    // Each notes its name as it starts, then holds its shell a second: twelve for three shells,
    // so they start in waves of three, a second apart.
    const sh = 'echo "$2" >> "$1"; sleep 1';
    const normal = Array.from({ length: 12 }, (_, i) => r.script(sh, [log, `n${i}`]));
    const urgent = urgently(() => r.script(sh, [log, "urgent"]));
    await Promise.all([...normal, urgent]);
    const order = readFileSync(log, "utf8").trim().split("\n");
    expect(order).toHaveLength(13);
    // Asked last, it starts in the second wave (the first took the three shells already), ahead
    // of the nine that waited before it; without urgency it would start last.
    expect(order.indexOf("urgent")).toBeLessThanOrEqual(5);
    expect([...order].sort()).toEqual([...normal.map((_, i) => `n${i}`), "urgent"].sort());
  });

  it("answers an urgent SFTP request while the shared channel is held up", async () => {
    const r = await remoteHost(sshd.connection);
    const fs = await r.sftp();
    const fifo = path.join(dir, "held-up");
    execFileSync("mkfifo", [fifo]);
    const file = path.join(dir, "urgent-sftp");
    writeFileSync(file, "x");
    // Opening a FIFO blocks the SFTP server until a writer comes: the shared channel answers
    // nothing more meanwhile. The urgent stat goes over the other channel (it would wait here
    // forever, and the test time out, on the shared one).
    const stuck = fs.open(fifo, "r");
    try {
      // Bounded here (far above the milliseconds it takes), so that a hang fails this test
      // and still runs the finally below, which releases the server.
      const hung = new Promise<never>((_, reject) => {
        const t = setTimeout(
          () => reject(new Error("the urgent stat got no answer in 30 s")),
          30_000,
        );
        t.unref();
      });
      expect((await Promise.race([urgently(() => fs.stat(file)), hung])).size).toBe(1);
    } finally {
      // A writer lets the server's open through, also when the test failed (O_RDWR: opening
      // never blocks, whether or not the server is in its open yet).
      const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
      writeSync(fd, "go");
      closeSync(fd);
    }
    await fs.close(await stuck);
  });

  it("runs the scripts still queued when the session dies on a new session", async () => {
    const r = await remoteHost(sshd.connection);
    const before = sessionsOpened();
    const release = path.join(dir, "release");
    const started = [1, 2, 3].map((i) => path.join(dir, `started-${i}`));
    // Each shell of the session (three at most) runs one script that waits for `release`: the
    // scripts asked for after them wait for a shell in the session's queue.
    const holding = started.map((marker) =>
      r
        .script(
          ': > "$1"; i=0; while [ ! -e "$2" ]; do i=$((i + 1)); [ "$i" -gt 600 ] && exit 1; sleep 0.05; done',
          [marker, release],
        )
        .then(
          () => "finished",
          (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`,
        ),
    );
    try {
      while (!started.every((m) => existsSync(m))) await new Promise((d) => setTimeout(d, 20));
      const queued = [1, 2, 3, 4].map((i) =>
        r.script('echo "queued $1"', [String(i)]).then(
          (x) => `${x.code} ${x.stdout.toString().trim()}`,
          (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`,
        ),
      );
      // Cut the session as a crash of the host's sshd would: kill the processes that serve it
      // (the listener's children and theirs; the shells under them see their input end).
      const kids = (pid: number) =>
        readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
          .trim()
          .split(/\s+/)
          .filter(Boolean)
          .map(Number);
      const doomed = kids(sshd.pid).flatMap((k) => [k, ...kids(k)]);
      expect(doomed.length).toBeGreaterThan(0);
      for (const pid of doomed) process.kill(pid, "SIGKILL");
      const label = `root@127.0.0.1:${sshd.connection.port}`;
      // Written to a shell: their outcome is unknown, so they are not repeated.
      expect(await Promise.all(holding)).toEqual(
        started.map(
          () =>
            `SSH_ERROR: glassfish-ims SSH_ERROR: the SSH session to ${label} ended while a command ran: its outcome is unknown`,
        ),
      );
      // Never written: run once more, on the one new session.
      expect(await Promise.all(queued)).toEqual([
        "0 queued 1",
        "0 queued 2",
        "0 queued 3",
        "0 queued 4",
      ]);
      expect(sessionsOpened() - before).toBe(1);
    } finally {
      // The killed session's shells still wait for it: let them end.
      writeFileSync(release, "");
    }
  });
});
