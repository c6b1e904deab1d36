import * as path from "path";
import { isImsError } from "../../provider/errors";
import {
  assertImsSupported,
  domainDirsOf,
  domainStamp,
  imsSupport,
  parsePidFile,
} from "../../provider/domain/glassfish";
import { domainRunningError, findRunningDas } from "../../provider/store/das";
import type { Host } from "../../provider/store/effects";
import { parseXml } from "../../provider/domain/xml";
import { fixture } from "../support/fixtures";

const domainWith = (rootAttrs: string, body = "") =>
  parseXml(
    `<?xml version="1.0"?>\n<domain log-root="x"${rootAttrs}>\n${body}</domain>\n`,
    "domain.xml",
  );

describe("which GlassFish holds IMS", () => {
  it.each([
    ["3.2-b06", "release", "yes"],
    ["4.0-b33", "release", "yes"],
    ["4.0-b89", "release", "yes"],
    ["3.0.1", "release", "no"],
    ["3.1.2", "release", "no"],
    ["3.1.2.2", "release", "no"],
    ["4.0", "release", "no"],
    ["4.0.1", "release", "no"],
    ["4.1", "release", "no"],
    ["5.1.0", "release", "no"],
    ["6.2.5", "release", "no"],
    ["7.0.21", "release", "no"],
    ["8.0.0-M12", "release", "no"],
    ["2.1", "release", "no"],
    ["4.0-SNAPSHOT", "release", "unknown"],
  ])("classifies version %s as a %s with IMS %s", (version, kind, ims) => {
    expect(domainStamp(version)).toEqual({ kind, version, ims });
  });

  it.each(["10.0", "10.0-b23"])("takes %s as a schema number, not a release", (version) => {
    expect(domainStamp(version)).toEqual({ kind: "schema", version });
  });

  it("takes a missing or blank version as unstamped, and a non-version as unknown", () => {
    expect(domainStamp(undefined)).toEqual({ kind: "unstamped" });
    expect(domainStamp("  ")).toEqual({ kind: "unstamped" });
    expect(domainStamp("trunk")).toEqual({ kind: "unknown", version: "trunk" });
  });

  it.each(["3.2-b06", "4.0-b33", "10.0", "10.0-b23", "trunk"])(
    "allows IMS configuration in a domain stamped %s",
    (version) => {
      expect(imsSupport(domainWith(` version="${version}"`))).toBeUndefined();
    },
  );

  it("allows an unstamped domain", () => {
    expect(imsSupport(domainWith(""))).toBeUndefined();
  });

  it.each(["3.1.2", "4.0", "4.1", "5.1.0", "6.2.5", "7.0.21"])(
    "refuses a domain stamped %s, saying why",
    (version) => {
      expect(imsSupport(domainWith(` version="${version}"`))).toBe(
        `it was last started by GlassFish ${version} (<domain version="${version}">), which has no IMS: ` +
          "only the GlassFish 3.2/4.0 promoted builds of 2011-2012 read <virtualizations> (IMS was removed in October 2012; " +
          "no 3.0, 3.1, 4.0 final, 4.1, 5, 6, 7 or 8 release has it). " +
          "That GlassFish ignores the unrecognized <virtualizations>, fails to parse the domain and moves domain.xml.bak " +
          "over domain.xml (this edit is lost), or refuses to start when there is no domain.xml.bak",
      );
    },
  );

  it("reads only the root's version, not a template's or another element's", () => {
    const doc = domainWith(
      "",
      '  <templates version="7.0.21"/>\n  <config name="c" version="6.2.5"/>\n',
    );
    expect(imsSupport(doc)).toBeUndefined();
    const stamped = domainWith(' version="10.0"', '  <template version="7.0.21"/>\n');
    expect(imsSupport(stamped)).toBeUndefined();
  });

  it("reads the repository's fixtures as their root versions say", () => {
    expect(imsSupport(parseXml(fixture("domain.xml"), "domain.xml"))).toBeUndefined();
    // doctype.xml is stamped 3.1: a release that never had IMS.
    expect(imsSupport(parseXml(fixture("doctype.xml"), "doctype.xml"))).toContain(
      "GlassFish 3.1 (",
    );
  });

  it("throws GLASSFISH_WITHOUT_IMS naming the file and the opt-out, unless allowed", () => {
    const doc = domainWith(' version="7.0.21"');
    let err: unknown;
    try {
      assertImsSupported(doc, "/d/config/domain.xml", false);
    } catch (e) {
      err = e;
    }
    expect(isImsError(err, "GLASSFISH_WITHOUT_IMS")).toBe(true);
    const message = (err as Error).message;
    expect(message).toMatch(
      /^glassfish-ims GLASSFISH_WITHOUT_IMS: refusing to write IMS configuration into \/d\/config\/domain.xml: it was last started by GlassFish 7\.0\.21 /,
    );
    expect(message).toMatch(
      /Run an IMS-capable GlassFish \(a 3\.2\/4\.0 promoted build\), or set allowUnsupportedGlassFish: true to write it anyway$/,
    );
    expect(() => assertImsSupported(doc, "/d/config/domain.xml", true)).not.toThrow();
    expect(() => assertImsSupported(domainWith(""), "/d/config/domain.xml", false)).not.toThrow();
  });
});

describe("finding the DAS", () => {
  it("parses the pid file GlassFish writes (no newline), and nothing else", () => {
    expect(parsePidFile("18119")).toBe(18119);
    expect(parsePidFile("18119\n")).toBe(18119);
    expect(parsePidFile("")).toBeUndefined();
    expect(parsePidFile("0")).toBeUndefined();
    expect(parsePidFile("12ab")).toBeUndefined();
  });

  it("reads the domain directories a DAS command line names", () => {
    const cmdline = [
      "/usr/bin/java",
      "-cp",
      "/gf/modules/glassfish.jar",
      "-Dcom.sun.aas.instanceRoot=/srv/domains/domain1",
      "com.sun.enterprise.glassfish.bootstrap.ASMain",
      "-domaindir",
      "/srv/domains/domain1",
      "",
    ].join("\0");
    expect(domainDirsOf(cmdline)).toEqual([
      { dir: "/srv/domains/domain1", arg: "-Dcom.sun.aas.instanceRoot=/srv/domains/domain1" },
      { dir: "/srv/domains/domain1", arg: "-domaindir /srv/domains/domain1" },
    ]);
    // asadmin's own arguments (--domaindir <parent> <name>) are not a domain directory.
    expect(
      domainDirsOf("java\0-jar\0admin-cli.jar\0start-domain\0--domaindir\0/srv\0d1\0"),
    ).toEqual([]);
    expect(domainDirsOf("java\0-Dcom.sun.aas.instanceRoot=\0-domaindir\0")).toEqual([]);
  });

  /**
   * A machine as DAS detection sees it: files (also /proc/<pid>/cmdline), symlinks, live pids.
   * Only the effects detection uses are there; any other call fails the test.
   */
  function fakeProbe(o: {
    files?: Record<string, string>;
    links?: Record<string, string>;
    alive?: number[];
    proc?: boolean;
  }): Host & { reads: string[] } {
    const files = o.files ?? {};
    const links = o.links ?? {};
    const reads: string[] = [];
    const resolve = (p: string): string => {
      for (const [from, to] of Object.entries(links)) {
        if (p === from || p.startsWith(from + "/")) return resolve(to + p.slice(from.length));
      }
      return p;
    };
    const enoent = (p: string) => Object.assign(new Error(`ENOENT ${p}`), { code: "ENOENT" });
    const readFile = (p: string): string => {
      reads.push(p);
      const r = resolve(p);
      if (r in files) return files[r];
      throw enoent(p);
    };
    const host = {
      id: "fake",
      label: "",
      reads,
      readFile: async (p: string) => Buffer.from(readFile(p)),
      realpath: async (p: string) => {
        const r = resolve(path.resolve(p));
        if (r in files) return r;
        throw enoent(p);
      },
      processes: {
        list: async () => {
          if (o.proc === false) return undefined;
          const pids = Object.keys(files).flatMap((f) => /^\/proc\/(\d+)\//.exec(f)?.[1] ?? []);
          return pids.map((pid) => ({
            pid: Number(pid),
            cmdline: readFile(`/proc/${pid}/cmdline`),
          }));
        },
        cwd: async (pid: number) => links[`/proc/${pid}/cwd`],
        cmdline: async (pid: number) => {
          if (o.proc === false) return undefined;
          const f = `/proc/${pid}/cmdline`;
          return f in files ? readFile(f) : undefined;
        },
        isAlive: async (pid: number) => (o.alive ?? []).includes(pid),
        self: 1,
      },
    };
    return new Proxy(host, {
      get: (t, k) => {
        if (k in t) return t[k as keyof typeof t];
        throw new Error(`DAS detection called ${String(k)}`);
      },
    }) as unknown as Host & { reads: string[] };
  }

  const FILE = "/srv/domains/d1/config/domain.xml";
  const java = (root: string) => `/usr/bin/java\0-Dcom.sun.aas.instanceRoot=${root}\0ASMain\0`;

  it("reports a live process named by config/pid", async () => {
    const probe = fakeProbe({
      files: { [FILE]: "<domain/>", "/srv/domains/d1/config/pid": "42" },
      alive: [42],
    });
    expect(await findRunningDas(FILE, probe)).toEqual({
      pid: 42,
      foundBy: "pid-file",
      evidence: "/srv/domains/d1/config/pid",
    });
  });

  it("ignores a pid file naming a dead process (kill -9) when no process names the domain", async () => {
    const probe = fakeProbe({
      files: {
        [FILE]: "<domain/>",
        "/srv/domains/d1/config/pid": "42",
        "/proc/77/cmdline": java("/srv/domains/other"),
        "/srv/domains/other/config/domain.xml": "<domain/>",
      },
      alive: [77],
    });
    expect(await findRunningDas(FILE, probe)).toBeUndefined();
  });

  it("finds a starting DAS by its command line before config/pid exists", async () => {
    const probe = fakeProbe({
      files: { [FILE]: "<domain/>", "/proc/77/cmdline": java("/srv/domains/d1") },
    });
    expect(await findRunningDas(FILE, probe)).toEqual({
      pid: 77,
      foundBy: "command-line",
      evidence: "-Dcom.sun.aas.instanceRoot=/srv/domains/d1",
    });
  });

  it("compares real paths: a symlinked domain directory, or a relative one, is the same domain", async () => {
    const files = { [FILE]: "<domain/>", "/proc/77/cmdline": java("/opt/gf/domains/d1") };
    const viaLink = fakeProbe({ files, links: { "/opt/gf/domains": "/srv/domains" } });
    expect((await findRunningDas(FILE, viaLink))?.pid).toBe(77);
    const relative = fakeProbe({
      files: { [FILE]: "<domain/>", "/proc/78/cmdline": java("domains/d1") },
      links: { "/proc/78/cwd": "/srv" },
    });
    expect((await findRunningDas(FILE, relative))?.evidence).toBe(
      "-Dcom.sun.aas.instanceRoot=domains/d1",
    );
  });

  it("does not take another domain, or itself, for the DAS", async () => {
    const probe = fakeProbe({
      files: {
        [FILE]: "<domain/>",
        "/proc/1/cmdline": java("/srv/domains/d1"),
        "/proc/77/cmdline": java("/srv/domains/d10"),
        "/srv/domains/d10/config/domain.xml": "<domain/>",
      },
    });
    expect(await findRunningDas(FILE, probe)).toBeUndefined();
  });

  it("takes config/pid as stale when it names a live process that is not a JVM of this domain", async () => {
    const notes: string[] = [];
    const init = fakeProbe({
      files: {
        [FILE]: "<domain/>",
        "/srv/domains/d1/config/pid": "1",
        "/proc/1/cmdline": "/sbin/init\0--secret-token=s3cr3t\0",
      },
      alive: [1],
    });
    expect(await findRunningDas(FILE, init, (m) => notes.push(m))).toBeUndefined();
    // Its program, never its arguments (another user's process may carry a secret there).
    expect(notes).toEqual([
      "/srv/domains/d1/config/pid names process 1, which is not a JVM of this domain (its program: /sbin/init): the pid file is stale, going on",
    ]);
    const otherDomain = fakeProbe({
      files: {
        [FILE]: "<domain/>",
        "/srv/domains/d1/config/pid": "42",
        "/proc/42/cmdline": java("/srv/domains/d2"),
        "/srv/domains/d2/config/domain.xml": "<domain/>",
      },
      alive: [42],
    });
    expect(await findRunningDas(FILE, otherDomain, () => undefined)).toBeUndefined();
  });

  it("counts config/pid when the live process it names is a JVM of this domain", async () => {
    const notes: string[] = [];
    const probe = fakeProbe({
      files: {
        [FILE]: "<domain/>",
        "/srv/domains/d1/config/pid": "42",
        "/proc/42/cmdline": java("/srv/domains/d1"),
      },
      alive: [42],
    });
    expect(await findRunningDas(FILE, probe, (m) => notes.push(m))).toEqual({
      pid: 42,
      foundBy: "pid-file",
      evidence: "/srv/domains/d1/config/pid",
    });
    expect(notes).toEqual([]);
  });

  it("still finds a starting DAS by its command line when config/pid is stale", async () => {
    const probe = fakeProbe({
      files: {
        [FILE]: "<domain/>",
        "/srv/domains/d1/config/pid": "1",
        "/proc/1/cmdline": "/sbin/init\0",
        "/proc/77/cmdline": java("/srv/domains/d1"),
      },
      alive: [1, 77],
    });
    expect(await findRunningDas(FILE, probe, () => undefined)).toEqual({
      pid: 77,
      foundBy: "command-line",
      evidence: "-Dcom.sun.aas.instanceRoot=/srv/domains/d1",
    });
  });

  it("falls back to the pid file alone where there is no /proc", async () => {
    const probe = fakeProbe({
      files: { [FILE]: "<domain/>", "/proc/77/cmdline": java("/srv/domains/d1") },
      proc: false,
    });
    expect(await findRunningDas(FILE, probe)).toBeUndefined();
    expect(probe.reads).toEqual(["/srv/domains/d1/config/pid"]);
  });

  it("says how the DAS was found in the DOMAIN_RUNNING message", () => {
    expect(
      domainRunningError(FILE, {
        pid: 42,
        foundBy: "pid-file",
        evidence: "/srv/domains/d1/config/pid",
      }).message,
    ).toBe(
      `glassfish-ims DOMAIN_RUNNING: the GlassFish domain of ${FILE} is running (process 42, from /srv/domains/d1/config/pid); it would overwrite domain.xml from its own copy. Stop it first (asadmin stop-domain), then run again`,
    );
    const starting = domainRunningError(FILE, {
      pid: 77,
      foundBy: "command-line",
      evidence: "-Dcom.sun.aas.instanceRoot=/srv/domains/d1",
    });
    expect(starting.code).toBe("DOMAIN_RUNNING");
    expect(starting.message).toBe(
      `glassfish-ims DOMAIN_RUNNING: the GlassFish domain of ${FILE} is running or starting (process 77, whose command line names the domain: -Dcom.sun.aas.instanceRoot=/srv/domains/d1); it would overwrite domain.xml from its own copy. Stop it first (asadmin stop-domain), then run again`,
    );
  });
});
