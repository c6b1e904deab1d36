import {
  connectionFailures,
  connectionLabel,
  normalizeConnection,
} from "../../provider/remote/connection";
import {
  fingerprint,
  hostKeyAlgorithms,
  hostsMatch,
  parseHostKeys,
  verifyHostKey,
} from "../../provider/remote/host-key";
import { redact } from "../../provider/remote/session";

// Made with ssh-keygen -t ed25519; the hashed lines with ssh-keygen -H (OpenSSH 9.2) from
// "[das.example.com]:2222 KEY" and "das.example.com OTHER".
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFye79e8b61K/SqOBBf4W/unrSTeWxMIMWHRAunWP2ss";
const KEY_FP = "SHA256:KhOC50w1T5E5QRI0IXLWtXvGJLTm/8MSs/MfhKSth6g";
const OTHER = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICNTVTf4YS2orZbWu/FlUza+X9PgCWac41LgIO3tKp5O";
const HASHED = [
  `|1|vyY1qG+FnviCbA5FEp4h+NBO+JA=|s57jX68tf+yn2TKVG7bptMXcbfI= ${KEY}`,
  `|1|WCDUfIw3mb5dp8Fll2nMXh3EG/A=|xiX93TxS3NoXAx3tDHRRXWucC5I= ${OTHER}`,
].join("\n");
const blob = (line: string) => Buffer.from(line.split(" ")[1], "base64");
const PLANTED =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nPLANTEDKEYMATERIAL0123456789\n-----END OPENSSH PRIVATE KEY-----\n";

describe("connectionFailures", () => {
  it("reports every failure at once, each with its property path", () => {
    expect(
      connectionFailures({
        host: "das host",
        port: 70000,
        user: "a@b",
        perDialTimeout: 0,
        dialErrorLimit: 1.5,
        agentSocketPath: "agent.sock",
        hostKey: "ssh-ed25519 not-base64!",
        proxy: { port: 22 },
        colour: "blue",
      }).map((f) => f.property),
    ).toEqual([
      "connection.colour",
      "connection.host",
      "connection.port",
      "connection.user",
      "connection.agentSocketPath",
      "connection.dialErrorLimit",
      "connection.perDialTimeout",
      "connection.hostKey",
      "connection.proxy.host",
    ]);
  });

  it("never shows a secret's value, only its type", () => {
    const failures = connectionFailures({
      host: "das",
      privateKey: "PLANTED-not-a-key",
      password: 12345678,
      privateKeyPassword: "PLANTED-pass",
    });
    expect(failures).toEqual([
      {
        property: "connection.privateKey",
        reason:
          'connection.privateKey must be the content of a private key file (starting with "-----BEGIN ... PRIVATE KEY-----"), not a path or a public key',
      },
      {
        property: "connection.password",
        reason: "connection.password must be a string, not a number",
      },
    ]);
    expect(JSON.stringify(failures)).not.toMatch(/PLANTED|12345678/);
  });

  it("accepts a full connection and refuses pinning together with the opt-out", () => {
    const ok = {
      host: "das.example.com",
      port: 2222,
      user: "glassfish",
      privateKey: PLANTED,
      privateKeyPassword: "x",
      hostKey: `${KEY} das\n${OTHER}`,
      knownHosts: `# comment\n${HASHED}\n`,
      proxy: { host: "10.0.0.1", password: "pw", insecureIgnoreHostKey: true },
    };
    expect(connectionFailures(ok)).toEqual([]);
    expect(connectionFailures({ host: "h", hostKey: KEY, insecureIgnoreHostKey: true })).toEqual([
      {
        property: "connection.insecureIgnoreHostKey",
        reason:
          "connection.insecureIgnoreHostKey cannot be combined with connection.hostKey or connection.knownHosts: pin the key, or opt out, not both",
      },
    ]);
    expect(connectionFailures("das", "provider.connection")).toEqual([
      {
        property: "provider.connection",
        reason:
          'provider.connection must be an object like { host: "das.example.com", user: "root" }, not a string',
      },
    ]);
  });

  it("names the bad known_hosts line", () => {
    expect(connectionFailures({ host: "h", knownHosts: `${HASHED}\nhost ssh-foo AAAA\n` })).toEqual(
      [
        {
          property: "connection.knownHosts",
          reason: 'connection.knownHosts: line 3: unknown key type "ssh-foo"',
        },
      ],
    );
  });
});

describe("normalizeConnection and connectionLabel", () => {
  it("fills the defaults and trims, so equal connections compare equal", () => {
    expect(normalizeConnection({ host: " DAS.example.com ", hostKey: `\n  ${KEY}  \n` })).toEqual({
      host: "das.example.com",
      port: 22,
      user: "root",
      dialErrorLimit: 10,
      perDialTimeout: 15,
      hostKey: KEY,
    });
  });

  it("labels without secrets, bastions included", () => {
    const c = {
      host: "fe80::1",
      port: 2222,
      password: "PLANTED",
      proxy: { host: "b", privateKey: PLANTED },
    };
    expect(connectionLabel(c)).toBe("root@[fe80::1]:2222 via root@b:22");
  });
});

describe("host keys", () => {
  it("fingerprints as ssh-keygen -l does", () => {
    expect(fingerprint(blob(KEY))).toBe(KEY_FP);
  });

  it("matches hashed known_hosts entries, [host]:port only on that port", () => {
    const [k, o] = HASHED.split("\n").map((l) => l.split(" ")[0]);
    expect(hostsMatch(k, "das.example.com", 2222)).toBe(true);
    expect(hostsMatch(k, "das.example.com", 22)).toBe(false);
    expect(hostsMatch(o, "DAS.example.com", 22)).toBe(true);
    expect(hostsMatch(o, "das.example.org", 22)).toBe(false);
  });

  it("matches patterns with wildcards and negation", () => {
    expect(hostsMatch("*.example.com,!bad.example.com", "das.example.com", 22)).toBe(true);
    expect(hostsMatch("*.example.com,!bad.example.com", "bad.example.com", 22)).toBe(false);
    expect(hostsMatch("[10.1.2.?]:2222", "10.1.2.3", 2222)).toBe(true);
    expect(hostsMatch("10.1.2.3", "10.1.2.3", 2222)).toBe(false);
  });

  it("tells unknown, changed, revoked and trusted keys apart", () => {
    const t = { knownHosts: HASHED };
    expect(verifyHostKey(blob(KEY), t, "das.example.com", 2222)).toEqual({ ok: true });
    expect(verifyHostKey(blob(KEY), t, "other.example.com", 2222)).toEqual({
      ok: false,
      reason: "unknown",
    });
    expect(verifyHostKey(blob(KEY), t, "das.example.com", 22)).toMatchObject({
      ok: false,
      reason: "changed",
      expected: [{ type: "ssh-ed25519", blob: blob(OTHER) }],
    });
    const revoked = { knownHosts: `@revoked * ${KEY}`, insecureIgnoreHostKey: true };
    expect(verifyHostKey(blob(KEY), revoked, "any", 22)).toEqual({ ok: false, reason: "revoked" });
    expect(verifyHostKey(blob(OTHER), { insecureIgnoreHostKey: true }, "any", 22)).toEqual({
      ok: true,
    });
  });

  it("offers the pinned key types first", () => {
    const rsa = parseHostKeys("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7");
    expect(rsa.errors).toEqual([]);
    expect(hostKeyAlgorithms(rsa.keys).slice(0, 4)).toEqual([
      "rsa-sha2-512",
      "rsa-sha2-256",
      "ssh-rsa",
      "ssh-ed25519",
    ]);
  });
});

describe("redact", () => {
  it("removes a whole secret and each long line of a key", () => {
    expect(redact(`bad PLANTEDKEYMATERIAL0123456789 and pw-1234567`, [PLANTED, "pw-1234567"])).toBe(
      "bad *** and ***",
    );
  });
});
