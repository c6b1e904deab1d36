// Builds the IMS tree described by the JSON config `spec` in the file of config `domainXml`:
// { virtualizations: [{ resource, args }], pools: [{ resource, virtualization, args }],
//   poolUsers: [{ resource, pool, args }], machines: [{ resource, pool, args }],
//   machineUsers: [{ resource, machine, args }] }
// Parents are named by resource name (the resource object is passed) or, with `byName: true`,
// by IMS name.
const pulumi = require("@pulumi/pulumi");
const ims = require("glassfish-ims");

const config = new pulumi.Config();
const domainXml = config.require("domainXml");
const spec = JSON.parse(config.require("spec"));
// With config `connection` (secret JSON): the DAS host that holds domainXml, reached over SSH.
// The virtualizations get it, and a resource whose parent is named by name (as domainXml, it is
// inherited only from a parent given as the resource).
const connection = config.getSecretObject("connection");
const ref = (table, key, byName) => (byName ? key : table[key]);
const reach = (byName) => (byName && connection ? { connection } : {});

const virts = {};
for (const v of spec.virtualizations ?? []) {
  virts[v.resource] = new ims.Virtualization(v.resource, {
    domainXml,
    ...(connection ? { connection } : {}),
    ...v.args,
  });
}
const pools = {};
for (const p of spec.pools ?? []) {
  pools[p.resource] = new ims.ServerPool(p.resource, {
    domainXml,
    ...reach(p.byName),
    ...p.args,
    virtualization: ref(virts, p.virtualization, p.byName),
  });
}
for (const u of spec.poolUsers ?? []) {
  new ims.PoolUser(u.resource, {
    domainXml,
    ...reach(u.byName),
    ...u.args,
    serverPool: ref(pools, u.pool, u.byName),
  });
}
const machines = {};
for (const m of spec.machines ?? []) {
  machines[m.resource] = new ims.Machine(m.resource, {
    domainXml,
    // These tests are about domain.xml; no connection unless a test asks for one.
    verifyConnection: false,
    ...reach(m.byName),
    ...m.args,
    serverPool: ref(pools, m.pool, m.byName),
  });
}
for (const u of spec.machineUsers ?? []) {
  new ims.MachineUser(u.resource, {
    domainXml,
    ...reach(u.byName),
    ...u.args,
    machine: ref(machines, u.machine, u.byName),
  });
}
exports.machines = Object.fromEntries(
  Object.entries(machines).map(([k, m]) => [k, { ip: m.ipAddress, resolvedBy: m.resolvedBy }]),
);
exports.restartRequired = Object.values(pools).map((p) => p.restartRequired);

// With config `restartLog`: a stand-in for @pulumi/command's local.Command (whose plugin cannot
// be installed on a machine without internet) that "restarts the domain" - appends a line to
// the log - on create and whenever its trigger changes, as `triggers` do.
const restartLog = config.get("restartLog");
if (restartLog) {
  const recorder = {
    async create(inputs) {
      require("fs").appendFileSync(inputs.log, `restart ${inputs.trigger}\n`);
      return { id: "restart", outs: inputs };
    },
    async diff(_id, olds, news) {
      return { changes: olds.trigger !== news.trigger };
    },
    async update(_id, _olds, news) {
      require("fs").appendFileSync(news.log, `restart ${news.trigger}\n`);
      return { outs: news };
    },
  };
  const all = [...Object.values(virts), ...Object.values(pools), ...Object.values(machines)];
  new pulumi.dynamic.Resource(
    recorder,
    "restart-domain",
    { log: restartLog, trigger: pulumi.all(all.map((r) => r.xmlDigest)).apply((d) => d.join(",")) },
    { dependsOn: all },
  );
}
