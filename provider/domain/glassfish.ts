import { ImsError } from "../errors";
import { getAttribute } from "./attrs";
import type { XmlDocument } from "./xml";

// ---------------------------------------------------------------------------------------------
// Which GlassFish releases hold IMS
// ---------------------------------------------------------------------------------------------

/** What the root `<domain version="...">` says about the GlassFish that last started the domain. */
export type DomainStamp =
  /** No `version` on the root: nothing is known, IMS configuration may be written. */
  | { kind: "unstamped" }
  /** A domain.xml schema number (`10.0`, `10.0-b23`), as templates carry before a first start. */
  | { kind: "schema"; version: string }
  /** A GlassFish release stamped the domain on its first start (`7.0.21`). */
  | { kind: "release"; version: string; ims: "yes" | "no" | "unknown" }
  /** Something else: not a version this provider can reason about. */
  | { kind: "unknown"; version: string };

const RELEASE = /^(\d+)\.(\d+)((?:\.\d+)*)(?:-(.+))?$/;

/**
 * Classifies a root `version` value. IMS exists only in the GlassFish 3.2 / 4.0 promoted builds
 * of 2011–2012 (`3.2-b06`, `4.0-b33`); it was removed in October 2012, before 4.0 final (June
 * 2013). GlassFish 1, 2, 3.0 and 3.1.x never had it, nor has any release since (4.0 final, 4.0.1,
 * 4.1, 5, 6, 7, 8). A promoted build of 4.0 made after the removal cannot be told from one made
 * before by its number here, so every `4.0-b<N>` counts as "yes".
 */
export function domainStamp(version: string | undefined): DomainStamp {
  const v = version?.trim();
  if (!v) return { kind: "unstamped" };
  const m = RELEASE.exec(v);
  if (!m) return { kind: "unknown", version: v };
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const more = m[3];
  const qualifier = m[4];
  // GlassFish's domain.xml schema has been "10.0" since v3; no release is numbered 10.0 yet, and
  // a future one would be stamped with three components (10.0.0).
  if (major === 10 && minor === 0 && !more && (!qualifier || /^b\d+$/i.test(qualifier))) {
    return { kind: "schema", version: v };
  }
  const release = (ims: "yes" | "no" | "unknown"): DomainStamp => ({
    kind: "release",
    version: v,
    ims,
  });
  if (major < 3) return release("no");
  if (major === 3) return release(minor <= 1 ? "no" : minor === 2 ? "yes" : "unknown");
  if (major === 4 && minor === 0) {
    if (!qualifier) return release("no");
    return release(/^b\d+$/i.test(qualifier) ? "yes" : "unknown");
  }
  return release("no");
}

/** The root `version` attribute of a domain.xml; other elements' `version` never counts. */
export function domainVersion(doc: XmlDocument): string | undefined {
  return getAttribute(doc.root, "version");
}

/**
 * Whether IMS configuration may be written into this domain: `undefined` when it may, else the
 * reason (the domain is stamped by a GlassFish release known to lack IMS). An unstamped domain,
 * a schema number and versions this provider cannot place are allowed: only what is known to
 * break is refused.
 */
export function imsSupport(doc: XmlDocument): string | undefined {
  const stamp = domainStamp(domainVersion(doc));
  if (stamp.kind !== "release" || stamp.ims !== "no") return undefined;
  return (
    `it was last started by GlassFish ${stamp.version} (<domain version="${stamp.version}">), which has no IMS: ` +
    "only the GlassFish 3.2/4.0 promoted builds of 2011-2012 read <virtualizations> (IMS was removed in October 2012; " +
    "no 3.0, 3.1, 4.0 final, 4.1, 5, 6, 7 or 8 release has it). " +
    "That GlassFish ignores the unrecognized <virtualizations>, fails to parse the domain and moves domain.xml.bak " +
    "over domain.xml (this edit is lost), or refuses to start when there is no domain.xml.bak"
  );
}

/**
 * Throws `GLASSFISH_WITHOUT_IMS` when {@link imsSupport} refuses `doc` (the domain.xml at `file`)
 * and the user did not opt out with `allow` (the resources' `allowUnsupportedGlassFish` input).
 */
export function assertImsSupported(doc: XmlDocument, file: string, allow: boolean): void {
  if (allow) return;
  const reason = imsSupport(doc);
  if (reason === undefined) return;
  throw new ImsError(
    "GLASSFISH_WITHOUT_IMS",
    `refusing to write IMS configuration into ${file}: ${reason}. ` +
      "Run an IMS-capable GlassFish (a 3.2/4.0 promoted build), or set allowUnsupportedGlassFish: true to write it anyway",
  );
}

// ---------------------------------------------------------------------------------------------
// Is the domain's DAS running (or starting)?
// ---------------------------------------------------------------------------------------------

/** The pid in a GlassFish `config/pid` file (no newline in it; tolerated), or undefined. */
export function parsePidFile(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const pid = Number(t);
  return pid > 0 ? pid : undefined;
}

const INSTANCE_ROOT = "-Dcom.sun.aas.instanceRoot=";

/**
 * The domain directories a process's command line (`/proc/<pid>/cmdline`: arguments separated
 * by NUL) names, each with the argument that names it: the DAS JVM carries
 * `-Dcom.sun.aas.instanceRoot=<dir>` and hands its main class `-domaindir <dir>`.
 */
export function domainDirsOf(cmdline: string): { dir: string; arg: string }[] {
  const args = cmdline.split("\0");
  const found: { dir: string; arg: string }[] = [];
  args.forEach((a, i) => {
    if (a.startsWith(INSTANCE_ROOT) && a.length > INSTANCE_ROOT.length) {
      found.push({ dir: a.slice(INSTANCE_ROOT.length), arg: a });
    } else if (a === "-domaindir" && args[i + 1]) {
      found.push({ dir: args[i + 1], arg: `-domaindir ${args[i + 1]}` });
    }
  });
  return found;
}
