import { execFileSync } from "child_process";
import { readFileSync, writeFileSync } from "fs";
import {
  BASTION_IP,
  DAS_BEHIND_BASTION_IP,
  DAS_IP,
  DasHostLab,
  PASSWORD_USER,
  dasHostUnavailable,
  type RunOutcome,
} from "../lab/das-host";

jest.setTimeout(180_000);

const unavailable = dasHostUnavailable();
if (unavailable) console.warn(`SKIPPED ssh session tests: ${unavailable}`);

(unavailable ? describe.skip : describe)("SSH sessions to a remote DAS host in the lab", () => {
  let lab: DasHostLab;
  /** Every error the tests saw, checked for secrets at the end. */
  const seen: RunOutcome[] = [];
  beforeAll(async () => {
    lab = await DasHostLab.create();
    await lab.addBastion();
  });
  afterAll(() => lab?.destroySync());

  const key = () => ({ host: DAS_IP, privateKey: lab.key.privateKey, hostKey: lab.hostKey });
  const run = async (code: string, vars: Record<string, unknown>) => {
    const r = await lab.run(code, vars);
    seen.push(r);
    return r;
  };
  const connectAndRun = (c: object, argv = ["id", "-un"]) =>
    run(
      "const h = await remote.remoteHost(vars.c); const r = await h.exec(vars.argv); return { label: h.label, code: r.code, out: r.stdout.toString() };",
      { c, argv },
    );

  it("logs in with a key and runs a command", async () => {
    const r = await connectAndRun(key());
    expect(r).toEqual({ value: { label: `root@${DAS_IP}:22`, code: 0, out: "root\n" } });
  });

  it("logs in with a key that has a passphrase, and refuses a wrong or missing passphrase", async () => {
    const c = { ...key(), privateKey: lab.keyWithPassphrase.privateKey };
    expect((await connectAndRun({ ...c, privateKeyPassword: lab.passphrase })).value).toMatchObject(
      { code: 0, out: "root\n" },
    );
    const wrong = await connectAndRun({ ...c, privateKeyPassword: "not-the-passphrase" });
    expect(wrong.error?.code).toBe("SSH_AUTH");
    expect(wrong.error?.message).toContain(
      "connection.privateKeyPassword does not decrypt connection.privateKey",
    );
    const missing = await connectAndRun(c);
    expect(missing.error?.code).toBe("SSH_AUTH");
    expect(missing.error?.message).toContain("is encrypted: set connection.privateKeyPassword");
  });

  it("logs in with a password, and refuses a wrong one", async () => {
    const c = { host: DAS_IP, user: PASSWORD_USER, hostKey: lab.hostKey };
    const ok = await connectAndRun({ ...c, password: lab.password });
    expect(ok.value).toMatchObject({ code: 0, out: `${PASSWORD_USER}\n` });
    const wrong = await connectAndRun({ ...c, password: `${lab.password}x` });
    expect(wrong.error?.code).toBe("SSH_AUTH");
    expect(wrong.error?.message).toContain("password (connection.password)");
  });

  it("logs in through an ssh-agent", async () => {
    const agentSocketPath = await lab.startAgent();
    const r = await connectAndRun({ host: DAS_IP, hostKey: lab.hostKey, agentSocketPath });
    expect(r.value).toMatchObject({ code: 0, out: "root\n" });
  });

  it("refuses a key the host does not authorize", async () => {
    const r = await connectAndRun({ ...key(), privateKey: lab.strangerKey.privateKey });
    expect(r.error?.code).toBe("SSH_AUTH");
    expect(r.error?.message).toContain(`root@${DAS_IP}:22 refused every credential tried`);
  });

  it("refuses an unknown host key, printing its fingerprint and the exact setting that pins it", async () => {
    const r = await connectAndRun({ host: DAS_IP, privateKey: lab.key.privateKey });
    expect(r.error?.code).toBe("SSH_HOST_KEY");
    // The fingerprint as OpenSSH's own tool prints it for the host key file.
    const fp = execFileSync("ssh-keygen", ["-lf", `${lab.dir}/host_key.pub`], {
      encoding: "utf8",
    }).split(" ")[1];
    expect(r.error?.message).toContain(`is not known: it presented ssh-ed25519 ${fp}`);
    const hostKey = /set connection\.hostKey to "([^"]+)"/.exec(r.error?.message ?? "")?.[1];
    const knownHosts = /add the line "([^"]+)" to connection\.knownHosts/.exec(
      r.error?.message ?? "",
    )?.[1];
    expect(hostKey).toBe(lab.hostKey);
    // Both settings the message prints work as printed.
    for (const pin of [{ hostKey }, { knownHosts }]) {
      const ok = await connectAndRun({ host: DAS_IP, privateKey: lab.key.privateKey, ...pin });
      expect(ok.value).toMatchObject({ code: 0 });
    }
  });

  it("refuses a changed host key, naming both fingerprints", async () => {
    const pinned = lab.strangerKey.publicKey;
    const r = await connectAndRun({ ...key(), hostKey: pinned });
    expect(r.error?.code).toBe("SSH_HOST_KEY");
    const fp = (f: string) =>
      execFileSync("ssh-keygen", ["-lf", f], { encoding: "utf8" }).split(" ")[1];
    expect(r.error?.message).toContain(
      `has CHANGED: it presented ssh-ed25519 ${fp(`${lab.dir}/host_key.pub`)}, but the pinned key is ssh-ed25519 ${fp(`${lab.strangerKey.file}.pub`)}`,
    );
  });

  it("gets the pinned key from a host that has several (ECDSA pinned, ed25519 preferred)", async () => {
    const r = await connectAndRun({ ...key(), hostKey: lab.ecdsaHostKey });
    expect(r.value).toMatchObject({ code: 0, out: "root\n" });
  });

  it("verifies against a hashed known_hosts entry in [host]:port form", async () => {
    const file = `${lab.dir}/known_hosts`;
    writeFileSync(file, `[${DAS_IP}]:2222 ${lab.hostKey}\n`);
    execFileSync("ssh-keygen", ["-q", "-H", "-f", file], { stdio: "pipe" });
    const knownHosts = readFileSync(file, "utf8");
    expect(knownHosts).toMatch(/^\|1\|/);
    const c = { host: DAS_IP, privateKey: lab.key.privateKey, knownHosts };
    expect((await connectAndRun({ ...c, port: 2222 })).value).toMatchObject({ code: 0 });
    // The entry names port 2222 only: on port 22 the key is unknown.
    expect((await connectAndRun(c)).error?.code).toBe("SSH_HOST_KEY");
  });

  it("fails fast with CONNECTION_REFUSED on a port nothing listens on", async () => {
    const r = await connectAndRun({ ...key(), port: 2200, dialErrorLimit: 2 });
    expect(r.error?.code).toBe("CONNECTION_REFUSED");
    expect(r.error?.message).toContain(`root@${DAS_IP}:2200 refused the connection`);
    expect(r.error?.message).toContain("after 2 dials");
  });

  it("gives CONNECT_TIMEOUT for a silent host after dialErrorLimit dials of perDialTimeout", async () => {
    lab.dropSsh(true);
    try {
      const r = await connectAndRun({ ...key(), perDialTimeout: 1, dialErrorLimit: 2 });
      expect(r.error?.code).toBe("CONNECT_TIMEOUT");
      expect(r.error?.message).toContain(`no answer from root@${DAS_IP}:22 within 1 s`);
      expect(r.error?.message).toContain("after 2 dials of at most 1 s");
    } finally {
      lab.dropSsh(false);
    }
  });

  it("reaches a host only a bastion can reach, through the bastion", async () => {
    const target = {
      host: DAS_BEHIND_BASTION_IP,
      privateKey: lab.key.privateKey,
      hostKey: lab.hostKey,
      dialErrorLimit: 1,
    };
    const direct = await connectAndRun(target);
    expect(direct.error?.code).toBe("SSH_ERROR");
    expect(direct.error?.message).toContain("is unreachable from here");
    const bastionLogins = lab.acceptedLogins("bastion").length;
    const via = await connectAndRun(
      {
        ...target,
        proxy: { host: BASTION_IP, privateKey: lab.key.privateKey, hostKey: lab.bastionHostKey },
      },
      ["sh", "-c", 'echo "$SSH_CONNECTION"'],
    );
    expect(via.value).toMatchObject({
      label: `root@${DAS_BEHIND_BASTION_IP}:22 via root@${BASTION_IP}:22`,
      code: 0,
    });
    // The DAS host saw the connection come from the bastion's address.
    expect((via.value as { out: string }).out).toMatch(/^10\.231\.3\.1 \d+ 10\.231\.3\.2 22\n$/);
    expect(lab.acceptedLogins("bastion").length).toBe(bastionLogins + 1);
  });

  it("reports CONNECTION_REFUSED when the bastion cannot connect to the target port", async () => {
    const r = await connectAndRun({
      host: DAS_BEHIND_BASTION_IP,
      port: 2200,
      privateKey: lab.key.privateKey,
      hostKey: lab.hostKey,
      dialErrorLimit: 1,
      proxy: { host: BASTION_IP, privateKey: lab.key.privateKey, hostKey: lab.bastionHostKey },
    });
    expect(r.error?.code).toBe("CONNECTION_REFUSED");
    expect(r.error?.message).toContain(
      `root@${DAS_BEHIND_BASTION_IP}:2200 via root@${BASTION_IP}:22 refused the connection`,
    );
  });

  it("shares one session among 50 calls from separate callers (counted by the server)", async () => {
    const before = lab.acceptedLogins().length;
    const r = await run(
      `const outs = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
         const h = await remote.remoteHost(vars.c);
         if (i % 2) return (await (await h.sftp()).stat("/srv/ro/file")).size;
         return (await h.exec(["echo", String(i)])).stdout.toString().trim();
       }));
       return { outs, opened: remote.sessionsOpened() };`,
      { c: key() },
    );
    expect(r.value).toEqual({
      outs: Array.from({ length: 50 }, (_, i) => (i % 2 ? 10 : String(i))),
      opened: 1,
    });
    expect(lab.acceptedLogins().length - before).toBe(1);
    // The runner ended by itself and its session with it: no session is left on the server.
    for (let i = 0; i < 50 && lab.sessionPids().length > 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(lab.sessionPids()).toEqual([]);
  });

  it("dials again once when the session's sshd child was killed", async () => {
    const before = lab.acceptedLogins().length;
    const r = await run(
      `const h = await remote.remoteHost(vars.c);
       const first = (await h.exec(["echo", "one"])).stdout.toString();
       ${killSessions}
       await new Promise((r) => setTimeout(r, 200));
       const second = (await h.exec(["echo", "two"])).stdout.toString();
       const fs = await h.sftp();
       return { first, second, size: (await fs.stat("/srv/ro/file")).size, opened: remote.sessionsOpened(), killed: doomed.length > 0 };`,
      { c: key(), listener: lab.dasPid() },
    );
    expect(r.error).toBeUndefined();
    expect(r.value).toEqual({ first: "one\n", second: "two\n", size: 10, opened: 2, killed: true });
    expect(lab.acceptedLogins().length - before).toBe(2);
  });

  // Kills the sshd processes of every open session (its privsep monitor and the session process
  // under it), as a crash of the DAS host's sshd would: the connection drops at once.
  const killSessions = `const kids = (p) => require("fs").readFileSync("/proc/" + p + "/task/" + p + "/children", "utf8").trim().split(/\\s+/).filter(Boolean).map(Number);
       const doomed = kids(vars.listener).flatMap((k) => [k, ...kids(k)]);
       for (const k of doomed) process.kill(k, "SIGKILL");`;

  it("runs a request that finds the session just killed on a new one; a stale handle gets ECONNRESET", async () => {
    const r = await run(
      `const h = await remote.remoteHost(vars.c);
       const fs = await h.sftp();
       const fh = await fs.open("/srv/ro/file", "r");
       ${killSessions}
       const second = (await h.exec(["echo", "two"])).stdout.toString();
       const stale = await fs.fstat(fh).then(() => "ok", (e) => e.code);
       return { second, stale, size: (await fs.stat("/srv/ro/file")).size, opened: remote.sessionsOpened() };`,
      { c: key(), listener: lab.dasPid() },
    );
    expect(r.error).toBeUndefined();
    expect(r.value).toEqual({ second: "two\n", stale: "ECONNRESET", size: 10, opened: 2 });
  });

  it("fails a command whose session is cut while it runs, saying its outcome is unknown", async () => {
    const r = await run(
      `const h = await remote.remoteHost(vars.c);
       const running = h.exec(["sleep", "5"]);
       await new Promise((r) => setTimeout(r, 500));
       ${killSessions}
       return await running;`,
      { c: key(), listener: lab.dasPid() },
    );
    expect(r.error?.code).toBe("SSH_ERROR");
    expect(r.error?.message).toContain(
      `the SSH session to root@${DAS_IP}:22 ended while a command ran: its outcome is unknown`,
    );
  });

  it("fails a command past its timeoutMs with SSH_ERROR", async () => {
    const r = await run(
      `const h = await remote.remoteHost(vars.c);
       return await h.exec(["sleep", "3"], { timeoutMs: 500 });`,
      { c: key() },
    );
    expect(r.error?.code).toBe("SSH_ERROR");
    expect(r.error?.message).toContain(
      `a command on root@${DAS_IP}:22 did not finish within 500 ms: it was sent SIGKILL and its channel closed, but an SSH server may leave it running`,
    );
  });

  it("passes every argument through exactly: spaces, quotes, $(), backticks, newlines, globs", async () => {
    const args = ["a b", "it's", '"q"', "$(id -u)", "`id`", "line1\nline2", "*", "", "--", "~"];
    const r = await run(
      `const h = await remote.remoteHost(vars.c);
       const e = await h.exec(["printf", "[%s]", ...vars.args]);
       const s = await h.script('printf "[%s]" "$@"; printf "%s" "$#" >&2', vars.args, { stdin: "x" });
       const i = await h.exec(["cat"], { stdin: Buffer.from("in\\0put") });
       const f = await h.exec(["sh", "-c", "exit 7"]);
       return { e: e.stdout.toString(), s: s.stdout.toString(), n: s.stderr.toString(), i: i.stdout.toString("base64"), f: f.code };`,
      { c: key(), args },
    );
    const expected = args.map((a) => `[${a}]`).join("");
    expect(r.value).toEqual({
      e: expected,
      s: expected,
      n: String(args.length),
      i: Buffer.from("in\0put").toString("base64"),
      f: 7,
    });
  });

  it("writes, fsyncs, renames over, hard-links and stats a file over SFTP", async () => {
    lab.putFile("/srv/glassfish/domains/d1/config/domain.xml", "old\n");
    const r = await run(
      `const h = await remote.remoteHost(vars.c);
       const fs = await h.sftp();
       const dir = "/srv/glassfish/domains/d1/config";
       const tmp = dir + "/.domain.xml.tmp";
       const fh = await fs.open(tmp, "wx", 0o600);
       const data = Buffer.from("<domain>new</domain>\\n");
       await fs.write(fh, data, 0, data.length, 0);
       await fs.fsync(fh);
       await fs.fchmod(fh, 0o640);
       await fs.fchown(fh, 4242, 4242);
       const fst = await fs.fstat(fh);
       await fs.close(fh);
       const again = await fs.open(tmp, "wx").then(() => "opened", (e) => e.code);
       await fs.rename(tmp, dir + "/domain.xml");
       await fs.link(dir + "/domain.xml", dir + "/domain.xml.bak");
       const linkAgain = await fs.link(dir + "/domain.xml", dir + "/domain.xml.bak").then(() => "linked", (e) => e.code);
       const st = await fs.stat(dir + "/domain.xml");
       const missing = await fs.stat(dir + "/nope").then(() => "found", (e) => e.code);
       await fs.mkdir(dir + "/sub", 0o750);
       const mkAgain = await fs.mkdir(dir + "/sub").then(() => "made", (e) => e.code);
       const h2 = await fs.open(dir + "/domain.xml", "r");
       const buf = Buffer.alloc(64);
       const n = await fs.read(h2, buf, 0, 64, 0);
       const eof = await fs.read(h2, buf, 0, 64, n);
       await fs.close(h2);
       return {
         fstat: [fst.size, (fst.mode & 0o777).toString(8), fst.uid, fst.gid],
         again, linkAgain, missing, mkAgain,
         stat: [st.size, (st.mode & 0o777).toString(8), st.isFile()],
         read: buf.subarray(0, n).toString(), eof,
         file: (await fs.readFile(dir + "/domain.xml")).toString(),
         names: await fs.readdir(dir),
         real: await fs.realpath(dir + "/../config/./domain.xml"),
       };`,
      { c: key() },
    );
    expect(r.value).toEqual({
      fstat: [21, "640", 4242, 4242],
      again: "EEXIST",
      linkAgain: "EEXIST",
      missing: "ENOENT",
      mkAgain: "EEXIST",
      stat: [21, "640", true],
      read: "<domain>new</domain>\n",
      eof: 0,
      file: "<domain>new</domain>\n",
      names: ["domain.xml", "domain.xml.bak", "sub"],
      real: "/srv/glassfish/domains/d1/config/domain.xml",
    });
    // On the DAS host itself: the new content, one inode with two links, the mode and owner.
    const d = "/srv/glassfish/domains/d1/config";
    expect(lab.readFile(`${d}/domain.xml`).toString()).toBe("<domain>new</domain>\n");
    expect(lab.dasShell('stat -c "%h %a %u:%g" "$1"', `${d}/domain.xml`)).toBe("2 640 4242:4242\n");
    // The host's own namespace does not see the DAS host's files.
    expect(() => readFileSync(`${d}/domain.xml`)).toThrow(/ENOENT/);
  });

  it("reports EROFS on a read-only remote mount and EACCES where the user may not write", async () => {
    const r = await run(
      `const codes = {};
       const root = await (await remote.remoteHost(vars.root)).sftp();
       codes.create = await root.open("/srv/ro/new", "wx").then(() => "ok", (e) => e.code);
       codes.overwrite = await root.open("/srv/ro/file", "w").then(() => "ok", (e) => e.code);
       codes.rename = await root.rename("/srv/ro/file", "/srv/ro/moved").then(() => "ok", (e) => e.code);
       codes.read = (await root.readFile("/srv/ro/file")).toString();
       const user = await (await remote.remoteHost(vars.user)).sftp();
       codes.denied = await user.open("/srv/glassfish/x", "wx").then(() => "ok", (e) => e.code);
       codes.message = await user.open("/srv/glassfish/x", "wx").catch((e) => e.message);
       return codes;`,
      {
        root: key(),
        user: { host: DAS_IP, user: PASSWORD_USER, password: lab.password, hostKey: lab.hostKey },
      },
    );
    expect(r.value).toEqual({
      create: "EROFS",
      overwrite: "EROFS",
      rename: "EROFS",
      read: "read-only\n",
      denied: "EACCES",
      message: 'EACCES: open "/srv/glassfish/x": server said "Permission denied"',
    });
  });

  it("prints the latency of one exec and one SFTP stat (for the benchmark, not asserted)", async () => {
    const r = await run(
      `const h = await remote.remoteHost(vars.c);
       const fs = await h.sftp();
       await h.exec(["true"]); await fs.stat("/srv");
       const t0 = process.hrtime.bigint(); await h.exec(["true"]);
       const t1 = process.hrtime.bigint(); await fs.stat("/srv");
       const t2 = process.hrtime.bigint();
       return { exec: Number(t1 - t0) / 1e6, stat: Number(t2 - t1) / 1e6 };`,
      { c: key() },
    );
    const v = r.value as { exec: number; stat: number };
    console.log(
      `ssh latency: one exec ${v.exec.toFixed(1)} ms, one SFTP stat ${v.stat.toFixed(1)} ms`,
    );
    expect(r.error).toBeUndefined();
  });

  it("never shows a planted key, passphrase or password in any error", async () => {
    // Every failure again with all secrets set where the connection allows them.
    const secretful = {
      host: DAS_IP,
      privateKey: lab.keyWithPassphrase.privateKey,
      privateKeyPassword: lab.passphrase,
      password: lab.password,
    };
    await connectAndRun(secretful); // unknown host key
    await connectAndRun({ ...secretful, hostKey: lab.strangerKey.publicKey }); // changed
    await connectAndRun({ ...secretful, hostKey: lab.hostKey, port: 2200, dialErrorLimit: 1 });
    await connectAndRun({
      ...secretful,
      privateKeyPassword: `${lab.passphrase}x`,
      hostKey: lab.hostKey,
    });
    await connectAndRun({
      ...secretful,
      user: "nobody-here",
      hostKey: lab.hostKey,
    });
    await connectAndRun({ ...secretful, port: 0 }); // INVALID_INPUT
    const errors = seen.filter((o) => o.error);
    expect(errors.length).toBeGreaterThanOrEqual(14);
    const text = JSON.stringify(errors);
    const planted = [lab.passphrase, lab.password];
    for (const k of [lab.key, lab.keyWithPassphrase, lab.strangerKey])
      planted.push(
        ...k.privateKey.split("\n").filter((l) => l.length >= 16 && !l.startsWith("-----")),
      );
    for (const p of planted) expect(text).not.toContain(p);
  });
});
