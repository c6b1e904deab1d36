// Runs one discovery operation inside a lab namespace and prints its outcome as JSON:
//   ip netns exec <das> node test/lab/run-in-lab.js '<json>'
// {"op":"discover","mac":...,"pool":{...},"options":{...}} | {"op":"create"|"read","args":[...]}
// It refuses to run in the machine's own network namespace (see lab.ts).
const path = require("path");

require("./guard").assertInsideLabNamespace();
const dist = path.join(__dirname, "..", "..", "dist", "provider");
const request = JSON.parse(process.argv[2]);
const ops = {
  discover: () =>
    require(`${dist}/net/sweep`).discoverMac(request.mac, request.pool, request.options),
  create: () => require(`${dist}/resources/machine`).create(...request.args),
  read: () => require(`${dist}/resources/machine`).read(...request.args),
  connect: () =>
    require(`${dist}/libvirt/connect`).verifyConnection(request.uri, request.timeoutMs),
  probe: () =>
    require(`${dist}/net/sweep`).SYSTEM.probe(request.addresses, request.source, Date.now() + 2000),
  pool: () => require(`${dist}/resources/server-pool`).create(...request.args),
};
ops[request.op]().then(
  (value) => console.log(JSON.stringify({ value })),
  (e) => console.log(JSON.stringify({ error: { code: e.code, message: e.message } })),
);
