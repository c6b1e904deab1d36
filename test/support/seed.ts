import type { MachineInputs } from "../../provider/resources/machine";
import type { ServerPoolInputs } from "../../provider/resources/server-pool";
import type { UserInputs } from "../../provider/resources/user";
import type { VirtualizationInputs } from "../../provider/resources/virtualization";

// The seed domain of the SPEC's asadmin sequence (the kvm and xen virtualizations, the pool
// `cloud` on 10.132.181.0/24 with its user, the machines `local`, `cloud-1` and `office`, the
// machine user `jdoe`), spelled once for every kind of test: the inputs per resource (unit and
// integration tests call the provider directly), the spec of programs/ims (e2e tests), the IMS
// XML a test writes before the provider runs, and the elements a parser finds after it ran.

/** The values of the seed a test may need by name (an expected URI, a fake network's table). */
export const SEED = {
  subnet: "10.132.181.0/24",
  portNames: ["cscotun0", "br0"] as readonly string[],
  /** The fixed address of `office`. */
  officeIp: "10.132.181.57",
  /** The MAC `cloud-1` is found by. */
  cloud1Mac: "00:1c:c4:9f:e9:3b",
  /** Where the pretend network and the lab put `cloud-1`. */
  cloud1Ip: "10.132.181.23",
} as const;

/** The machines of the seed, by IMS name. */
export type SeedMachine = "local" | "cloud-1" | "office";

/** The variations tests use; every one defaults to the seed's value. */
export interface SeedOptions {
  /** The pool's `sub-net`. @default SEED.subnet */
  subnet?: string;
  /** The pool's ports, in order. @default SEED.portNames */
  portNames?: readonly string[];
  /** The fixed ip of `office`. @default SEED.officeIp */
  officeIp?: string;
}

/** The seed's resources as the inputs of each provider, each call a fresh copy to change. */
export function seedInputs(domainXml: string, o: SeedOptions = {}) {
  const { subnet, portNames, officeIp } = { ...SEED, ...o };
  const inPool = { domainXml, serverPool: "cloud" };
  return {
    kvm: { domainXml, name: "kvm", emulator: "kvm" } satisfies VirtualizationInputs,
    xen: { domainXml, name: "xen", emulator: "xen" } satisfies VirtualizationInputs,
    pool: {
      domainXml,
      virtualization: "kvm",
      name: "cloud",
      subnet,
      portNames: [...portNames],
    } satisfies ServerPoolInputs,
    poolUser: { ...inPool, name: "cloud", userId: 1001, groupId: 1001 } satisfies UserInputs,
    local: { ...inPool, name: "local", networkName: "localhost" } satisfies MachineInputs,
    cloud1: { ...inPool, name: "cloud-1", mac: SEED.cloud1Mac } satisfies MachineInputs,
    office: {
      ...inPool,
      name: "office",
      networkName: "office",
      ip: officeIp,
    } satisfies MachineInputs,
    machineUser: {
      domainXml,
      machine: "local",
      name: "jdoe",
      userId: 1000,
      groupId: 1000,
    } satisfies UserInputs,
  };
}

/** The `spec` config of programs/ims: resources by kind (see programs/ims/index.js). */
export type Spec = Record<string, Array<Record<string, unknown>>>;

/** Which of the seed's resources a spec holds, and how it names them. */
export interface SpecOptions extends SeedOptions {
  /** @default ["kvm", "xen"] */
  virtualizations?: Array<"kvm" | "xen">;
  /** `cloud-1` needs a network that answers for its MAC. @default ["local", "office"] */
  machines?: SeedMachine[];
  /** The pool user's resource name when it is not `cloud` (its IMS name stays `cloud`). */
  poolUserResource?: string;
}

/** The seed as a spec of programs/ims; a fresh copy on every call. */
export function seedSpec(o: SpecOptions = {}): Spec {
  const { subnet, portNames, officeIp } = { ...SEED, ...o };
  const reach: Record<SeedMachine, Record<string, unknown>> = {
    local: { networkName: "localhost" },
    "cloud-1": { mac: SEED.cloud1Mac },
    office: { networkName: "office", ip: officeIp },
  };
  const poolUser = o.poolUserResource
    ? {
        resource: o.poolUserResource,
        pool: "cloud",
        args: { name: "cloud", userId: 1001, groupId: 1001 },
      }
    : { resource: "cloud", pool: "cloud", args: { userId: 1001, groupId: 1001 } };
  return {
    virtualizations: (o.virtualizations ?? ["kvm", "xen"]).map((v) => ({
      resource: v,
      args: { emulator: v },
    })),
    pools: [
      {
        resource: "cloud",
        virtualization: "kvm",
        args: { subnet, portNames: [...portNames] },
      },
    ],
    poolUsers: [poolUser],
    machines: (o.machines ?? ["local", "office"]).map((m) => ({
      resource: m,
      pool: "cloud",
      args: reach[m],
    })),
    machineUsers: [{ resource: "jdoe", machine: "local", args: { userId: 1000, groupId: 1000 } }],
  };
}

/** A `<user>` element's values. */
export interface XmlUser {
  name: string;
  userId: number | string;
  groupId: number | string;
}

/** A `<machines>` element's text children. */
export interface XmlMachine {
  name: string;
  networkName?: string;
  ip?: string;
  mac?: string;
}

/** The IMS tree a test writes by hand (as asadmin or an operator would) before the provider runs. */
export interface ImsXmlOptions extends Omit<SeedOptions, "officeIp"> {
  /** Attributes of `<libvirt-virtualization name="kvm" type="libvirt">` after `type`, in order. */
  attributes?: Record<string, string>;
  /** The pool's user; absent: the empty `<user/>` asadmin writes with the pool. */
  user?: XmlUser;
  machines?: XmlMachine[];
}

/** Escapes an attribute value as the provider writes it. */
const attr = (v: string) => v.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

const userXml = (u: XmlUser) =>
  `<user name="${u.name}" user-id="${u.userId}" group-id="${u.groupId}"/>`;

/**
 * `domain` (a domain.xml without IMS configuration, ending in `</domain>\n`) with the kvm
 * virtualization and the pool `cloud` added in the provider's layout (two-space indent).
 */
export function withIms(domain: string, o: ImsXmlOptions = {}): string {
  if (!domain.endsWith("</domain>\n"))
    throw new Error('withIms: domain must end in "</domain>\\n"');
  const attrs = Object.entries(o.attributes ?? {})
    .map(([k, v]) => ` ${k}="${attr(v)}"`)
    .join("");
  const machines = (o.machines ?? []).map((m) => {
    const text = [
      m.networkName === undefined
        ? ""
        : `          <network-name>${m.networkName}</network-name>\n`,
      m.ip === undefined ? "" : `          <ip-address>${m.ip}</ip-address>\n`,
      m.mac === undefined ? "" : `          <mac-address>${m.mac}</mac-address>\n`,
    ].join("");
    return `        <machines name="${m.name}">\n${text}        </machines>\n`;
  });
  return domain.replace(
    /<\/domain>\n$/,
    "  <virtualizations>\n" +
      `    <libvirt-virtualization name="kvm" type="libvirt"${attrs}>\n` +
      `      <server-pool name="cloud" port-name="${(o.portNames ?? SEED.portNames).join(";")}" sub-net="${o.subnet ?? SEED.subnet}">\n` +
      `        ${o.user ? userXml(o.user) : "<user/>"}\n` +
      machines.join("") +
      "      </server-pool>\n    </libvirt-virtualization>\n  </virtualizations>\n</domain>\n",
  );
}

/**
 * The seed's elements as an XML parser gives them (fast-xml-parser with `ignoreAttributes:
 * false`): attribute names with `prefix`, text children as strings, values as written.
 */
export function seedElements(prefix = "", o: SeedOptions = {}) {
  const { subnet, portNames, officeIp } = { ...SEED, ...o };
  const a = (attrs: Record<string, string>) =>
    Object.fromEntries(Object.entries(attrs).map(([k, v]) => [prefix + k, v]));
  const user = (name: string, id: string) => a({ name, "user-id": id, "group-id": id });
  return {
    pool: a({ name: "cloud", "port-name": portNames.join(";"), "sub-net": subnet }),
    poolUser: user("cloud", "1001"),
    machines: {
      local: { ...a({ name: "local" }), "network-name": "localhost", user: user("jdoe", "1000") },
      "cloud-1": { ...a({ name: "cloud-1" }), "mac-address": SEED.cloud1Mac },
      office: { ...a({ name: "office" }), "network-name": "office", "ip-address": officeIp },
    },
  };
}
