// Benchmark: the plugin's cold start, from spawning it to its first gRPC answer (GetPluginInfo),
// for the release's single executable against the development plugin (bin/: the compiled server
// on the Node of node_modules), run alternately in the same run. Each case is a new process, as
// the engine starts it; medians over BENCH_RUNS runs (default 10).
//
//   npm run release && npm run bench:plugin-start
//   BENCH_PLUGIN=<an unpacked plugin dir or executable> ...   (e.g. under qemu-aarch64-static:
//   BENCH_WRAP=qemu-aarch64-static with the arm64 executable)
import * as grpc from "@grpc/grpc-js";
import { execFileSync, spawn } from "child_process";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import * as emptyPb from "google-protobuf/google/protobuf/empty_pb";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import type { PluginInfo } from "@pulumi/pulumi/proto/plugin_pb";

const ROOT = path.resolve(__dirname, "..", "..");

/** One start: when the port was printed, and when GetPluginInfo answered (ms after spawn). */
export interface Start {
  portMs: number;
  answerMs: number;
  version: string;
}

/**
 * Starts the plugin `argv` (with `env`), reads its port, asks GetPluginInfo, and ends it. The
 * plugin gets no engine address, so it starts no watchdog.
 */
export function coldStart(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<Start> {
  const t0 = process.hrtime.bigint();
  const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
  const child = spawn(argv[0], argv.slice(1), { env, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise<Start>((resolve, reject) => {
    let out = "";
    let err = "";
    let asked = false;
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) =>
      reject(new Error(`plugin exited (${code}) before answering: ${err}`)),
    );
    child.stdout.on("data", (d) => {
      out += d;
      const m = /^(\d+)\n/.exec(out);
      if (!m || asked) return;
      asked = true;
      const portMs = ms();
      const client = new ResourceProviderClient(
        `127.0.0.1:${m[1]}`,
        grpc.credentials.createInsecure(),
      );
      client.getPluginInfo(new emptyPb.Empty(), (e: grpc.ServiceError | null, r: PluginInfo) => {
        const answerMs = ms();
        client.close();
        if (e) reject(e);
        else resolve({ portMs, answerMs, version: r.getVersion() });
      });
    });
  }).finally(() => child.kill("SIGKILL"));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 10);
  const wrap = process.env.BENCH_WRAP ? [process.env.BENCH_WRAP] : [];
  const { version } = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    version: string;
  };
  const tarball = path.join(
    ROOT,
    "dist",
    "release",
    `pulumi-resource-glassfish-ims-v${version}-linux-amd64.tar.gz`,
  );
  const unpacked = mkdtempSync(path.join(os.tmpdir(), "gf-ims-bench-start-"));
  process.on("exit", () => rmSync(unpacked, { recursive: true, force: true }));
  let exe = process.env.BENCH_PLUGIN;
  if (!exe) {
    execFileSync("tar", ["-xzf", tarball, "-C", unpacked]);
    exe = path.join(unpacked, "pulumi-resource-glassfish-ims");
  }
  const cases: Record<string, string[]> = {
    "single executable": [...wrap, exe],
    ...(wrap.length
      ? {}
      : { "node + dist (bin/)": [path.join(ROOT, "bin", "pulumi-resource-glassfish-ims")] }),
  };
  const env = { ...process.env, PATH: path.join(ROOT, "node_modules", ".bin") + ":/usr/bin:/bin" };
  const results: Record<string, Start[]> = Object.fromEntries(
    Object.keys(cases).map((k) => [k, []]),
  );
  for (let i = 0; i < runs; i++) {
    for (const [name, argv] of Object.entries(cases))
      results[name].push(await coldStart(argv, env));
  }
  console.log(`plugin cold start, median of ${runs} (ms from spawn):`);
  for (const [name, rs] of Object.entries(results)) {
    console.log(
      `  ${name.padEnd(20)} port printed ${median(rs.map((r) => r.portMs)).toFixed(0)}, ` +
        `first GetPluginInfo answer ${median(rs.map((r) => r.answerMs)).toFixed(0)} (v${rs[0].version})`,
    );
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
