import * as grpc from "@grpc/grpc-js";
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as emptyPb from "google-protobuf/google/protobuf/empty_pb";
import * as structPb from "google-protobuf/google/protobuf/struct_pb";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import * as pluginPb from "@pulumi/pulumi/proto/plugin_pb";
import * as providerGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as pb from "@pulumi/pulumi/proto/provider_pb";
import { fixture } from "../support/fixtures";
import { tempDomain } from "../support/domain";

// The real plugin process (bin/pulumi-resource-glassfish-ims), started by this test as the
// engine starts it: this process is its parent. A second user (nobody) and a process of the same
// user outside this process's tree call its port with a gRPC client and are refused; this
// process's own calls (and its children's) go through.
const ROOT = path.resolve(__dirname, "..", "..");
const PLUGIN = path.join(ROOT, "bin", "pulumi-resource-glassfish-ims");
const URN = "urn:pulumi:dev::p::glassfish-ims:index:Virtualization::evil";
const TYPE = "glassfish-ims:index:Virtualization";
const NOBODY = 65534;

// A gRPC unary call over node's own http2 (the caller may be a user who cannot read this
// checkout): the request's bytes come in hex, the answer goes to a file as JSON.
const CLIENT = `
const http2 = require("http2"), fs = require("fs");
const [port, method, hex, out] = process.argv.slice(1);
let written = false;
const done = (r) => { if (!written) { written = true; fs.writeFileSync(out, JSON.stringify(r)); } process.exit(0); };
setTimeout(() => done({ error: "no answer within 20 s" }), 20000);
const parentOf = (pid) => { const s = fs.readFileSync("/proc/" + pid + "/stat", "utf8"); return Number(s.slice(s.lastIndexOf(")") + 2).split(" ")[1]); };
const ancestors = () => { const a = []; for (let p = process.ppid; p > 1; p = parentOf(p)) a.push(p); return a; };
(async () => {
  // As an orphan, wait to be reparented: then no process of the caller's tree holds the socket.
  for (let i = 0; process.env.ORPHAN && ancestors().includes(Number(process.env.ORPHAN)) && i < 250; i++)
    await new Promise((r) => setTimeout(r, 20));
  const s = http2.connect("http://127.0.0.1:" + port);
  s.on("error", (e) => done({ error: e.code || e.message }));
  s.on("close", () => done({ error: "connection closed" }));
  const body = Buffer.from(hex, "hex");
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, 5);
  const req = s.request({ ":method": "POST", ":path": method, "content-type": "application/grpc", te: "trailers" });
  const chunks = [];
  let status;
  req.on("response", (h) => { if (h["grpc-status"] !== undefined) status = h["grpc-status"]; });
  req.on("trailers", (t) => { status = t["grpc-status"]; });
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => done({ status, reply: Buffer.concat(chunks).subarray(5).toString("hex") }));
  req.on("error", (e) => done({ error: e.code || e.message }));
  req.end(frame);
})();
`;

/** What the raw client answered: the gRPC status and reply, or why the call did not happen. */
interface Answer {
  status?: string;
  reply?: string;
  error?: string;
}

const asRoot = process.getuid?.() === 0;
const setpriv = existsSync("/usr/bin/setpriv");
const describeIf = asRoot && setpriv && process.platform === "linux" ? describe : describe.skip;
if (!(asRoot && setpriv))
  process.stderr.write("plugin caller check tests skip: they need root and setpriv (util-linux)\n");

jest.setTimeout(60_000);

let plugin: ChildProcess;
let port: number;
let stderr = "";
let work: ReturnType<typeof tempDomain>;

beforeAll(async () => {
  work = tempDomain(fixture("domain.xml"));
  plugin = spawn(PLUGIN, [], { stdio: ["ignore", "pipe", "pipe"] });
  plugin.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  port = await new Promise<number>((resolve, reject) => {
    let out = "";
    plugin.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("\n")) resolve(Number(out.trim()));
    });
    plugin.once("exit", (code) => reject(new Error(`plugin exited ${code}: ${stderr}`)));
  });
});
afterAll(() => {
  if (plugin.pid !== undefined && plugin.exitCode === null) plugin.kill();
  work.cleanup();
});

/** A directory the raw client (maybe nobody) can write its answer into. */
function answerFile(tag: string): string {
  const dir = path.join(os.tmpdir(), `gf-ims-caller-${process.pid}-${tag}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  chmodSync(dir, 0o777);
  return path.join(dir, "answer.json");
}

/** Runs the raw client with `prefix` (e.g. setpriv ...) in front of node; waits for its answer. */
async function rawCall(
  tag: string,
  prefix: string[],
  method: string,
  request: Uint8Array,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Answer> {
  const out = answerFile(tag);
  const hex = Buffer.from(request).toString("hex");
  const argv = [...prefix, process.execPath, "-e", CLIENT, String(port), method, hex, out];
  spawnSync(argv[0], argv.slice(1), { env, stdio: "ignore" });
  // An orphaned client goes on after its shell has exited: its answer file says when it is done.
  for (let i = 0; i < 600 && !existsSync(out); i++) await new Promise((r) => setTimeout(r, 50));
  try {
    return JSON.parse(readFileSync(out, "utf8")) as Answer;
  } finally {
    rmSync(path.dirname(out), { recursive: true, force: true });
  }
}

/** Waits (bounded) until the plugin's stderr matches `re`; returns the stderr. */
async function stderrMatching(re: RegExp): Promise<string> {
  for (let i = 0; i < 400 && !re.test(stderr); i++) await new Promise((r) => setTimeout(r, 50));
  return stderr;
}

const create = () =>
  new pb.CreateRequest()
    .setUrn(URN)
    .setType(TYPE)
    .setProperties(
      structPb.Struct.fromJavaScript({ domainXml: work.file, name: "evil", emulator: "test" }),
    )
    .serializeBinary();

const CREATE = "/pulumirpc.ResourceProvider/Create";
const INFO = "/pulumirpc.ResourceProvider/GetPluginInfo";

describeIf("the plugin's port serves only the engine that started it", () => {
  test("another user's Create is refused before gRPC: nothing is written, stderr says why", async () => {
    const before = readFileSync(work.file);
    const answer = await rawCall(
      "nobody",
      ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups"],
      CREATE,
      create(),
    );
    expect(answer.status).toBeUndefined();
    expect(answer.reply).toBeUndefined();
    expect(readFileSync(work.file)).toEqual(before);
    expect(await stderrMatching(/uid 65534/)).toMatch(
      /glassfish-ims plugin: refused a connection from 127\.0\.0\.1:\d+: its socket belongs to uid 65534, the engine \(pid \d+\) runs as uid 0\n/,
    );
  });

  test("a process of the same user outside the engine's tree is refused", async () => {
    // sh starts the client in the background and exits: the client is reparented away.
    const answer = await rawCall("orphan", ["sh", "-c", '"$0" "$@" &'], INFO, new Uint8Array(), {
      ...process.env,
      ORPHAN: String(process.pid),
    });
    expect(answer.status).toBeUndefined();
    expect(await stderrMatching(/engine's tree/)).toMatch(
      /refused a connection from .*: no process of the engine's tree/,
    );
  });

  test("the engine's own calls and its children's go through", async () => {
    const client = new providerGrpc.ResourceProviderClient(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
    );
    try {
      const info = await new Promise<pluginPb.PluginInfo>((resolve, reject) =>
        client.getPluginInfo(new emptyPb.Empty(), (e, r) => (e ? reject(e) : resolve(r))),
      );
      const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
      expect(info.getVersion()).toBe(pkg.version);
    } finally {
      client.close();
    }
    // The same raw client as above, as a child of this process: answered.
    const child = await rawCall("child", [], INFO, new Uint8Array());
    expect(child.status).toBe("0");
    expect(
      pluginPb.PluginInfo.deserializeBinary(Buffer.from(child.reply ?? "", "hex")).getVersion(),
    ).toBe(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version);
  });
});
