// The sweep's effects on a DAS host reached over SSH: the interfaces, routes and neighbour table
// are that host's, and the probe leaves from its ports, so a machine is found on a subnet only
// the DAS host can see (SPEC §4: the DAS sweeps, as the seed's pool master does). Each effect is
// a short command run there through `Host.run` (an argument array, a hard time bound).
//
// What the DAS host needs: a POSIX `sh`, `ip` (iproute2, with JSON output) for its interfaces,
// `cat` (coreutils) for /proc/net/route and /proc/net/arp, and `bash` for the probe, which writes
// one datagram to the discard port of each address through bash's /dev/udp redirection (no root,
// no extra package). Unlike the local probe's socket, those datagrams are not bound to the pool
// port's address: the DAS host's kernel sends each by its routes, and the sweep only probes the
// addresses on that port's own link (planSweep), which those routes send out of that port.
// arp-scan is not used there: its replies would have to stream back.
//
// A command over SSH costs a round trip (and a channel) where a local read costs microseconds,
// so the commands bring back more than they are asked for: reading the interfaces also reads the
// routes and the neighbour table (served to the calls that follow: the table as it was before
// the probe), and the probe ends by reading the table once more (served to the first look).
import { ImsError } from "../errors";
import type { Host, HostRun } from "../store/effects";
import { parseIpAddrJson } from "./ip-addr";
import { parseProcNetArp, type Neighbour } from "./neighbours";
import { SYSTEM, type SweepEffects } from "./sweep";
import { parseProcNetRoute, type Route } from "./targets";

/** Reading the interfaces and tables there gives up after this long. */
const READ_MS = 5000;

const ROUTES = "--gfims-routes--";
const ARP = "--gfims-arp--";

/** Checks in a script that each tool is there; exit 127 naming the first one missing. */
function require_(...tools: string[]): string {
  return tools
    .map((t) => `command -v ${t} >/dev/null 2>&1 || { echo "${t}: not found" >&2; exit 127; }`)
    .join("\n");
}

/** The interfaces, then the routes, then the neighbour table, each after its marker. */
export const SNAPSHOT_SCRIPT = [
  require_("ip", "cat"),
  "ip -j addr show || exit 1",
  `echo; echo ${ROUTES}`,
  "cat /proc/net/route 2>/dev/null",
  `echo ${ARP}`,
  "exec cat /proc/net/arp",
].join("\n");

/**
 * The probe: a datagram to port 9 of every address given, each through its own connected UDP
 * socket (the kernel resolves them all at once, as for the local probe), then, a moment later,
 * the neighbour table after its marker. Exits 4, with the error of one send, when no datagram
 * could be sent at all (no route: the port lost its address).
 */
export const PROBE_SCRIPT = [
  require_("cat"),
  "sent=0; last=",
  'for a in "$@"; do if { printf x >"/dev/udp/$a/9"; } 2>/dev/null; then sent=$((sent+1)); else last=$a; fi; done',
  '[ $# -eq 0 ] || [ "$sent" -gt 0 ] || { printf x >"/dev/udp/$last/9"; exit 4; }',
  "sleep 0.05 2>/dev/null",
  `echo ${ARP}`,
  "exec cat /proc/net/arp",
].join("\n");

/** The package of each tool, for the message when it is missing. */
const PACKAGES: Record<string, string> = {
  sh: "dash",
  env: "coreutils",
  ip: "iproute2",
  cat: "coreutils",
  bash: "bash",
};

/**
 * The error for a command that could not run there (127: not found, 126: not executable),
 * naming the tool the script or the host's shell said was missing; undefined for other exits.
 */
function missingTool(host: Host, command: string, r: HostRun): ImsError | undefined {
  if (r.code !== 127 && r.code !== 126) return undefined;
  const text = r.stderr.trim();
  // env(1) says `env: 'bash': No such file or directory`; a shell says `ip: not found` or
  // `bash: line 1: env: command not found`.
  const tool =
    /'([^']+)': No such file/.exec(text)?.[1] ??
    /(\S+): (?:command )?not found/.exec(text)?.[1] ??
    command;
  return new ImsError(
    "DAS_HOST_TOOL_MISSING",
    `finding machines by MAC runs ${tool} on the DAS host ${host.label}, which it does not have (${text || `exit ${r.code}`}): install ${PACKAGES[tool] ?? tool} there, or give the machine's address as ip`,
  );
}

function failed(host: Host, what: string, r: HostRun, timeoutMs: number): Error {
  return new Error(
    r.timedOut
      ? `${what} on ${host.label} did not finish within ${timeoutMs} ms`
      : `${what} on ${host.label} failed: ${r.stderr.trim() || `exit ${r.code}`}`,
  );
}

/** The text after `marker` in `out` (from its line on), and what comes before it. */
function cut(out: string, marker: string): [string, string | undefined] {
  const at = out.indexOf(`${marker}\n`);
  return at < 0 ? [out, undefined] : [out.slice(0, at), out.slice(at + marker.length + 1)];
}

/**
 * The {@link SweepEffects} of `host`: this machine's own ({@link SYSTEM}) for the local host,
 * else the same operations as commands on the DAS host. The clock and the pauses between polls
 * stay here. A tool missing there fails with `DAS_HOST_TOOL_MISSING`, naming it. One value
 * serves one discovery (it holds the tables its commands brought back for the calls to come).
 */
export function sweepEffectsOn(host: Host): SweepEffects {
  if (host.id === "local") return SYSTEM;
  let routes: Route[] | undefined;
  /** A table a command brought back, served once to the next look. */
  let table: Neighbour[] | undefined;
  const sh = async (script: string, args: string[], timeoutMs: number) => {
    const r = await host.run("sh", ["-c", script, "sh", ...args], {
      timeoutMs,
      env: { LC_ALL: "C" },
    });
    const absent = missingTool(host, "sh", r);
    if (absent) throw absent;
    return r;
  };
  return {
    id: host.id,
    interfaces: async () => {
      const r = await sh(SNAPSHOT_SCRIPT, [], READ_MS);
      if (r.code !== 0 || r.timedOut) throw failed(host, "ip -j addr show", r, READ_MS);
      const [head, rest = ""] = cut(r.stdout, ROUTES);
      const [routeText, arpText] = cut(rest, ARP);
      // An empty section: no /proc/net/route there (the sweep then probes the whole subnet).
      routes = routeText.trim() ? parseProcNetRoute(routeText) : undefined;
      if (arpText !== undefined) table = parseProcNetArp(arpText);
      try {
        return parseIpAddrJson(head);
      } catch (e) {
        throw new ImsError(
          "SWEEP_FAILED",
          `ip -j addr show on ${host.label} printed something other than iproute2's JSON (${(e as Error).message}): install an iproute2 with JSON output (4.13 or later) there, or give the machine's address as ip`,
          { cause: e },
        );
      }
    },
    routes: async () => routes,
    neighbours: async () => {
      const served = table;
      table = undefined;
      if (served) return served;
      const r = await host.run("cat", ["/proc/net/arp"], { timeoutMs: READ_MS });
      const absent = missingTool(host, "cat", r);
      if (absent) throw absent;
      if (r.code !== 0 || r.timedOut) throw failed(host, "cat /proc/net/arp", r, READ_MS);
      return parseProcNetArp(r.stdout);
    },
    probe: async (addresses, source, deadline) => {
      const timeoutMs = Math.max(1, deadline - Date.now());
      let r: HostRun;
      try {
        r = await host.run("bash", ["-c", PROBE_SCRIPT, "probe", ...addresses], {
          timeoutMs,
          env: { LC_ALL: "C" },
        });
      } catch (e) {
        // An SSH host fails a command ended at its bound: past the deadline, that is the cut.
        if (Date.now() >= deadline) return;
        throw e;
      }
      const absent = missingTool(host, "bash", r);
      if (absent) throw absent;
      // Cut at the deadline: the datagrams sent until then were sent.
      if (r.timedOut) return;
      if (r.code !== 0) {
        throw new Error(
          `cannot send from ${source} on ${host.label}: ${r.stderr.trim() || `exit ${r.code}`}`,
        );
      }
      const [, arpText] = cut(r.stdout, ARP);
      if (arpText !== undefined) table = parseProcNetArp(arpText);
    },
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
}
