// Reads the V8 CPU profiles (`node --cpu-prof`) of a benchmark run and sums self time per
// function, per kind of process (the Pulumi program or the dynamic provider), for the report.
import { readdirSync, readFileSync } from "fs";
import * as path from "path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Which process a profile comes from, by the code it ran. */
function kindOf(p: CpuProfile): "provider" | "program" | "other" {
  if (p.nodes.some((n) => n.callFrame.url.includes("cmd/dynamic-provider"))) return "provider";
  if (p.nodes.some((n) => n.callFrame.url.includes("cmd/run"))) return "program";
  return "other";
}

function shortUrl(url: string): string {
  const i = url.lastIndexOf("node_modules/");
  const rel = i >= 0 ? url.slice(i + 13) : url.replace(/^.*\/dist\//, "");
  return rel.replace(/^file:\/\//, "");
}

/** Top `top` functions by self time, per process kind, over every profile in `dir`. */
export function summarizeProfiles(dir: string, top: number): string {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  } catch {
    return "(no profiles)";
  }
  const totals = new Map<string, SelfTimes>();
  for (const f of files) {
    const p = JSON.parse(readFileSync(path.join(dir, f), "utf8")) as CpuProfile;
    const kind = kindOf(p);
    totals.set(kind, addSelfTimes(p, totals.get(kind)));
  }
  const out: string[] = [];
  for (const [kind, t] of totals) {
    if (kind === "other") continue;
    out.push(`${kind}: ${(t.total / 1e6).toFixed(1)} s of samples`, ...topSelfTimes(t, top));
  }
  return out.join("\n");
}

/** Self time per function (microseconds), and the total sampled. */
export interface SelfTimes {
  total: number;
  self: Map<string, number>;
}

/** Adds the self time of each function of `p` to `t` (a new tally when not given). */
export function addSelfTimes(
  p: CpuProfile,
  t: SelfTimes = { total: 0, self: new Map() },
): SelfTimes {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  p.samples.forEach((id, i) => {
    const n = byId.get(id);
    const us = p.timeDeltas[i] ?? 0;
    if (!n) return;
    const cf = n.callFrame;
    const key = `${cf.functionName || "(anonymous)"} ${shortUrl(cf.url)}:${cf.lineNumber + 1}`;
    t.self.set(key, (t.self.get(key) ?? 0) + us);
    t.total += us;
  });
  return t;
}

/** The `top` functions with the most self time, one line each. */
export function topSelfTimes(t: SelfTimes, top: number): string[] {
  return [...t.self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(
      ([k, us]) =>
        `  ${((100 * us) / t.total).toFixed(1).padStart(5)}%  ${(us / 1e6).toFixed(2)} s  ${k}`,
    );
}
