import { readFileSync } from "fs";
import * as path from "path";
import * as pb from "@pulumi/pulumi/proto/provider_pb";
import { FloorProvider } from "../../bench/native-floor";
import { call, serveCalls, struct, type Served } from "../support/grpc";

// bench/engine's native floor: the no-op calls served by the plugin's own gRPC server on a
// loopback port, called as the engine calls it. It must serve the real schema and answer like a
// provider that does no work, or the plugin's ratios to it mean nothing.
const ROOT = path.resolve(__dirname, "..", "..");
const SCHEMA = JSON.parse(readFileSync(path.join(ROOT, "schema.json"), "utf8")) as {
  resources: Record<
    string,
    { inputProperties: Record<string, unknown>; properties: Record<string, unknown> }
  >;
};
const MACHINE = "glassfish-ims:index:Machine";
const URN = `urn:pulumi:dev::p::${MACHINE}::m0`;

let served: Served;
let client: Served["client"];
beforeAll(async () => {
  served = await serveCalls(new FloorProvider(ROOT));
  client = served.client;
});
afterAll(() => served.close());

const INPUTS = { domainXml: "/nowhere/domain.xml", serverPool: "cloud", ip: "10.128.0.1" };

describe("the native floor", () => {
  test("serves schema.json through the plugin's server", async () => {
    const r = await call<pb.GetSchemaResponse>((cb) =>
      client.getSchema(new pb.GetSchemaRequest(), cb),
    );
    expect(r.getSchema()).toBe(readFileSync(path.join(ROOT, "schema.json"), "utf8"));
  });

  test("check returns the news unchanged, with no failures", async () => {
    const r = await call<pb.CheckResponse>((cb) =>
      client.check(new pb.CheckRequest().setUrn(URN).setType(MACHINE).setNews(struct(INPUTS)), cb),
    );
    expect(r.getInputs()?.toJavaScript()).toEqual(INPUTS);
    expect(r.getFailuresList()).toEqual([]);
  });

  test("create returns an id and the inputs with every declared output of the type filled", async () => {
    const r = await call<pb.CreateResponse>((cb) =>
      client.create(
        new pb.CreateRequest().setUrn(URN).setType(MACHINE).setProperties(struct(INPUTS)),
        cb,
      ),
    );
    expect(r.getId()).not.toBe("");
    const props = r.getProperties()?.toJavaScript() ?? {};
    const machine = SCHEMA.resources[MACHINE];
    const outputs = Object.keys(machine.properties).filter((k) => !(k in machine.inputProperties));
    expect(outputs).toContain("ipAddress");
    expect(Object.keys(props).sort()).toEqual([...Object.keys(INPUTS), ...outputs].sort());
    expect(props).toMatchObject(INPUTS);
  });

  test("diff: no change when the inputs equal the state's, an in-place update of the input that differs", async () => {
    const created = await call<pb.CreateResponse>((cb) =>
      client.create(
        new pb.CreateRequest().setUrn(URN).setType(MACHINE).setProperties(struct(INPUTS)),
        cb,
      ),
    );
    const diff = (news: Record<string, unknown>) =>
      call<pb.DiffResponse>((cb) =>
        client.diff(
          new pb.DiffRequest()
            .setUrn(URN)
            .setType(MACHINE)
            .setId(created.getId())
            .setOlds(created.getProperties())
            .setNews(struct(news)),
          cb,
        ),
      );
    const same = await diff(INPUTS);
    expect(same.getChanges()).toBe(pb.DiffResponse.DiffChanges.DIFF_NONE);
    const changed = await diff({ ...INPUTS, ip: "10.128.0.2" });
    expect(changed.getChanges()).toBe(pb.DiffResponse.DiffChanges.DIFF_SOME);
    expect(changed.getDiffsList()).toEqual(["ip"]);
    expect(changed.getReplacesList()).toEqual([]);
  });
});
