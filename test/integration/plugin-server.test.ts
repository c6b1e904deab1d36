import * as grpc from "@grpc/grpc-js";
import * as emptyPb from "google-protobuf/google/protobuf/empty_pb";
import { readFileSync } from "fs";
import * as path from "path";
import * as pluginPb from "@pulumi/pulumi/proto/plugin_pb";
import * as pb from "@pulumi/pulumi/proto/provider_pb";
import { providers } from "../../provider";
import { PluginProvider } from "../../provider/plugin/provider";
import { call, serveCalls, struct, type Served } from "../support/grpc";
import { fixture } from "../support/fixtures";
import { tempDomain } from "../support/domain";

// The plugin's gRPC service on a loopback port, called as the engine calls it, over the real
// resource code and a temp domain.xml.
const ROOT = path.resolve(__dirname, "..", "..");
const ORIGINAL_DOMAIN = fixture("domain.xml");
const URN = "urn:pulumi:dev::p::glassfish-ims:index:Virtualization::kvm";
const TYPE = "glassfish-ims:index:Virtualization";

let served: Served;
let client: Served["client"];
beforeAll(async () => {
  served = await serveCalls(new PluginProvider(providers));
  client = served.client;
});
afterAll(() => served.close());

describe("the plugin's gRPC service", () => {
  test("answers GetSchema with schema.json and GetPluginInfo with the package version", async () => {
    const schema = await call<pb.GetSchemaResponse>((cb) =>
      client.getSchema(new pb.GetSchemaRequest(), cb),
    );
    expect(schema.getSchema()).toBe(readFileSync(path.join(ROOT, "schema.json"), "utf8"));
    const info = await call<pluginPb.PluginInfo>((cb) =>
      client.getPluginInfo(new emptyPb.Empty(), cb),
    );
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(info.getVersion()).toBe(pkg.version);
  });

  test("accepts secrets and asks for no provider-side preview", async () => {
    const r = await call<pb.ConfigureResponse>((cb) =>
      client.configure(new pb.ConfigureRequest().setAcceptsecrets(true), cb),
    );
    expect([r.getAcceptsecrets(), r.getSupportspreview()]).toEqual([true, false]);
  });

  test("creates, diffs with per-property kinds, reads from the ID alone, deletes: a real domain.xml", async () => {
    const domain = tempDomain(ORIGINAL_DOMAIN);
    try {
      const checked = await call<pb.CheckResponse>((cb) =>
        client.check(
          new pb.CheckRequest()
            .setUrn(URN)
            .setType(TYPE)
            .setNews(struct({ domainXml: domain.file, emulator: "test" })),
          cb,
        ),
      );
      expect(checked.getFailuresList()).toEqual([]);
      const inputs = checked.getInputs()?.toJavaScript() ?? {};
      expect(inputs).toMatchObject({ domainXml: domain.file, name: "kvm", emulator: "test" });

      const created = await call<pb.CreateResponse>((cb) =>
        client.create(
          new pb.CreateRequest().setUrn(URN).setType(TYPE).setProperties(struct(inputs)),
          cb,
        ),
      );
      expect(created.getId()).toBe(`${domain.file}#virtualization/kvm`);
      const outs = created.getProperties()?.toJavaScript() ?? {};
      expect(outs.effectiveConnectionString).toEqual({
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        value: "test:///default",
      });
      expect(domain.read()).toContain('<libvirt-virtualization name="kvm"');

      const diff = await call<pb.DiffResponse>((cb) =>
        client.diff(
          new pb.DiffRequest()
            .setUrn(URN)
            .setType(TYPE)
            .setId(created.getId())
            .setOlds(struct(outs))
            .setNews(struct({ ...inputs, name: "kvm2", templateCacheSize: 7 })),
          cb,
        ),
      );
      expect(diff.getChanges()).toBe(pb.DiffResponse.DiffChanges.DIFF_SOME);
      expect(diff.getReplacesList()).toEqual(["name"]);
      expect(diff.getHasdetaileddiff()).toBe(true);
      const kinds: Record<string, number> = {};
      diff.getDetaileddiffMap().forEach((v, k) => (kinds[k] = v.getKind()));
      expect(kinds).toEqual({
        name: pb.PropertyDiff.Kind.UPDATE_REPLACE,
        templateCacheSize: pb.PropertyDiff.Kind.UPDATE,
      });

      const read = await call<pb.ReadResponse>((cb) =>
        client.read(new pb.ReadRequest().setUrn(URN).setType(TYPE).setId(created.getId()), cb),
      );
      expect(read.getId()).toBe(created.getId());
      // From the ID alone (pulumi import): no name, since the resource name (kvm) gives it.
      const readInputs = read.getInputs()?.toJavaScript();
      expect(readInputs).toMatchObject({ domainXml: domain.file, emulator: "test" });
      expect(readInputs).not.toHaveProperty("name");

      await call<emptyPb.Empty>((cb) =>
        client.delete(
          new pb.DeleteRequest()
            .setUrn(URN)
            .setType(TYPE)
            .setId(created.getId())
            .setProperties(struct(outs)),
          cb,
        ),
      );
      expect(domain.read()).toBe(ORIGINAL_DOMAIN);
      const gone = await call<pb.ReadResponse>((cb) =>
        client.read(new pb.ReadRequest().setUrn(URN).setType(TYPE).setId(created.getId()), cb),
      );
      expect(gone.getId()).toBe("");
    } finally {
      domain.cleanup();
    }
  });

  test("reports check failures by property and a failed create as the call's error", async () => {
    const checked = await call<pb.CheckResponse>((cb) =>
      client.check(
        new pb.CheckRequest()
          .setUrn(URN)
          .setType(TYPE)
          .setNews(struct({ emulator: "vmware" })),
        cb,
      ),
    );
    expect(checked.getFailuresList().map((f) => f.getProperty())).toEqual([
      "domainXml",
      "emulator",
    ]);
    await expect(
      call<pb.CreateResponse>((cb) =>
        client.create(
          new pb.CreateRequest()
            .setUrn(URN)
            .setType(TYPE)
            .setProperties(struct({ domainXml: "/nonexistent/domain.xml", name: "kvm" })),
          cb,
        ),
      ),
    ).rejects.toMatchObject({
      code: grpc.status.UNKNOWN,
      details: expect.stringContaining("/nonexistent/domain.xml"),
    });
  });

  test("Create and Update called without Check validate as check does: INVALID_INPUT, nothing written", async () => {
    const domain = tempDomain(ORIGINAL_DOMAIN);
    try {
      const before = readFileSync(domain.file);
      // The values a direct gRPC caller wrote before (issue 21, item 2).
      const bad = {
        domainXml: domain.file,
        emulator: "kvm",
        emulatorPath: "rel/kvm",
        templateCacheRefreshRate: -5,
        templateCacheSize: 1e308,
      };
      const refused = await call<pb.CreateResponse>((cb) =>
        client.create(
          new pb.CreateRequest()
            .setUrn(URN)
            .setType(TYPE)
            .setProperties(struct({ ...bad, name: "-oProxyCommand=x" })),
          cb,
        ),
      ).catch((e: grpc.ServiceError) => e);
      expect((refused as grpc.ServiceError).details).toBe(
        'glassfish-ims INVALID_INPUT: Virtualization inputs fail check, nothing was written: name "-oProxyCommand=x" must be 1 to 255 characters, start with a letter, digit or "_", and contain only letters, digits, "_", "-" and "."; emulatorPath "rel/kvm" must be an absolute path such as /usr/bin/kvm; templateCacheSize 1e+308 must be a whole number from 0 to 10000; templateCacheRefreshRate -5 must be a whole number from 1 to 86400',
      );
      expect(readFileSync(domain.file)).toEqual(before);

      const good = { domainXml: domain.file, name: "kvm", emulator: "kvm" };
      const created = await call<pb.CreateResponse>((cb) =>
        client.create(
          new pb.CreateRequest().setUrn(URN).setType(TYPE).setProperties(struct(good)),
          cb,
        ),
      );
      const written = readFileSync(domain.file);
      const update = await call<pb.UpdateResponse>((cb) =>
        client.update(
          new pb.UpdateRequest()
            .setUrn(URN)
            .setType(TYPE)
            .setId(created.getId())
            .setOlds(created.getProperties())
            .setNews(struct({ ...bad, name: "kvm" })),
          cb,
        ),
      ).catch((e: grpc.ServiceError) => e);
      expect((update as grpc.ServiceError).details).toMatch(
        /^glassfish-ims INVALID_INPUT: Virtualization inputs fail check, nothing was written: emulatorPath "rel\/kvm" must be an absolute path/,
      );
      expect(readFileSync(domain.file)).toEqual(written);
    } finally {
      domain.cleanup();
    }
  });
});
