// Preloaded (NODE_OPTIONS=--require) by bench/engine with BENCH_PROFILE=1: CPU-profiles the
// provider process (dynamic, the plugin or the native floor), which the engine ends with a
// signal (so `--cpu-prof`, written at a normal exit, never is). The profile is written in pieces
// every 2 s and at every signal.
"use strict";
const entry = process.argv[1] || "";
const isProvider =
  entry.includes("dynamic-provider") ||
  entry.endsWith("/provider/plugin/main.js") ||
  entry.endsWith("/bench/native-floor.js");
if (isProvider && process.env.BENCH_PROFILE_DIR) {
  const { Session } = require("inspector");
  const fs = require("fs");
  const path = require("path");
  const session = new Session();
  session.connect();
  let piece = 0;
  const post = (m) => new Promise((r) => session.post(m, {}, (e, res) => r(res)));
  const dump = async (restart) => {
    const res = await post("Profiler.stop");
    if (res && res.profile) {
      const file = path.join(
        process.env.BENCH_PROFILE_DIR,
        `provider.${process.pid}.${piece++}.cpuprofile`,
      );
      fs.writeFileSync(file, JSON.stringify(res.profile));
    }
    if (restart) await post("Profiler.start");
  };
  post("Profiler.enable").then(() => post("Profiler.start"));
  setInterval(() => void dump(true), 2000).unref();
  for (const sig of ["SIGINT", "SIGTERM"]) {
    process.on(sig, () => void dump(false).then(() => process.exit(0)));
  }
}
