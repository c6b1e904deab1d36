// Runs a piece of test code against provider/remote inside the lab's CI namespace and prints its
// outcome as JSON on the last line:
//   ip netns exec <ci> node test/lab/run-remote.js < {"code": "...", "vars": {...}}
// `code` is the body of an async function of (remote, vars, require): remote is dist/provider/remote/
// session. The process must end by itself (an idle session must not keep it alive).
// It refuses to run in the machine's own network namespace (see guard.js).
const path = require("path");

require("./guard").assertInsideLabNamespace();
const remote = require(path.join(__dirname, "..", "..", "dist", "provider", "remote", "session"));

let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  const { code, vars } = JSON.parse(input);
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  new AsyncFunction("remote", "vars", "require", code)(remote, vars, require).then(
    (value) => console.log(JSON.stringify({ value: value === undefined ? null : value })),
    (e) =>
      console.log(
        JSON.stringify({
          error: {
            code: e && e.code,
            message: String(e && e.message),
            stack: String(e && e.stack),
            cause: e && e.cause ? `${e.cause.message} ${e.cause.stack}` : undefined,
          },
        }),
      ),
  );
});
