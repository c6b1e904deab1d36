import { spawnSync } from "child_process";
import { existsSync, readFileSync } from "fs";
import * as os from "os";
import * as path from "path";

// Runs ReadDomain (this directory's Maven project) over domain.xml files: GlassFish 4.0-b33's own
// IMS configuration beans read them and report what they hold.

const POM = path.join(__dirname, "pom.xml");
const TARGET = path.join(__dirname, "target");

/** The jars were fetched once: Maven can build offline. */
const CACHED = path.join(
  os.homedir(),
  ".m2/repository/org/glassfish/main/virtualization/virt-core/4.0-b33",
);

/** 4.0-b33's HK2 reflects into the JDK; Java 17 lets it only with these. */
const ADD_OPENS = [
  "java.base/jdk.internal.loader",
  "java.base/java.lang",
  "java.base/java.util",
  "java.base/java.lang.reflect",
  "java.base/java.io",
  "java.base/java.net",
].flatMap((m) => ["--add-opens", `${m}=ALL-UNNAMED`]);

/** A user as a bean reads it (`<user>`). */
export interface BeanUser {
  name: string | null;
  userId: string | null;
  groupId: string | null;
  authMethod: string | null;
}

/** A machine as `MachineConfig` reads it. */
export interface BeanMachine {
  name: string;
  networkName: string | null;
  ipAddress: string | null;
  macAddress: string | null;
  user: BeanUser | null;
}

/** A pool as `ServerPoolConfig` reads it. */
export interface BeanPool {
  name: string;
  subNet: string | null;
  portName: string | null;
  user: BeanUser | null;
  machines: BeanMachine[];
}

/** A virtualization as the bean registered for its element reads it. */
export interface BeanVirtualization {
  element: string;
  bean: string;
  name: string;
  type: string | null;
  emulatorPath?: string | null;
  connectionString?: string | null;
  templateCacheSize: string | null;
  templateCacheRefreshRate: string | null;
  serverPools: BeanPool[];
}

/** What ReadDomain printed for one file. */
export interface BeanReport {
  file: string;
  virtualizations: BeanVirtualization[];
  /** What HK2's parser logged (INFO and up), e.g. `Ignoring unrecognized element x at ...`. */
  logged: string[];
}

function works(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: "ignore" }).status === 0;
}

function mvn(offline: boolean) {
  const args = ["-q", "-B", ...(offline ? ["-o"] : []), "-f", POM, "compile"];
  return spawnSync("mvn", args, { encoding: "utf8", timeout: 15 * 60_000 });
}

/**
 * Builds the conformance project (offline when its jars are in ~/.m2; the first run downloads
 * them from Maven Central, about 9.6 MB). Returns why it cannot run here instead of throwing.
 */
export function buildConformance(): { ms: number } | { skip: string } {
  if (!works("javac", ["-version"])) return { skip: "a Java JDK (javac) is not installed" };
  if (!works("mvn", ["-v"])) return { skip: "Maven is not installed" };
  const t = Date.now();
  let r = existsSync(CACHED) ? mvn(true) : undefined;
  if (!r || r.status !== 0) r = mvn(false);
  if (r.status !== 0) {
    const why = `${r.stdout}${r.stderr}`.trim().split("\n").slice(-5).join(" | ");
    return { skip: `Maven could not build test/conformance (is Maven Central reachable?): ${why}` };
  }
  return { ms: Date.now() - t };
}

/**
 * Reads each file with GlassFish 4.0-b33's beans (one JVM for all). `libvirtBean: false` leaves
 * out the registration of the stand-in `<libvirt-virtualization>` bean, as in a GlassFish without
 * the libvirt plugin.
 */
export function readWithGlassFishBeans(
  files: string[],
  { libvirtBean = true }: { libvirtBean?: boolean } = {},
): BeanReport[] {
  const classpath = [
    path.join(TARGET, "classes"),
    ...(libvirtBean ? [path.join(TARGET, "libvirt-bean")] : []),
    readFileSync(path.join(TARGET, "classpath.txt"), "utf8").trim(),
  ].join(path.delimiter);
  const r = spawnSync(
    "java",
    [...ADD_OPENS, "-cp", classpath, "imsconformance.ReadDomain", ...files],
    { encoding: "utf8", timeout: 120_000 },
  );
  if (r.status !== 0) throw new Error(`ReadDomain failed (${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as BeanReport);
}
