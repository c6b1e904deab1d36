// How a machine is reached (SPEC §3 to §5): its address (localhost, fixed, or found by MAC), its
// libvirt URI, the connectivity check, and the pool's IP cache.
import { getAttribute } from "../domain/attrs";
import { domainAt, hostOf, shownFile } from "./das-host";
import { findMachine, mayHoldName, USER, type PoolLocation } from "../domain/ims";
import { setCachedIp } from "../store/ip-cache";
import { readDomain } from "../store/store";
import { firstChildElement, type XmlElement } from "../domain/xml";
import { ImsError } from "../errors";
import { verifyConnection, type VirshRunner } from "../libvirt/connect";
import { programParameters, redactUri } from "../libvirt/credentials";
import { ELEMENT_DEFAULTS } from "../libvirt/presets";
import { expandConnectionString } from "../libvirt/uri";
import { discoverMac, type PoolNetwork, type SweepEffects } from "../net/sweep";
import { shownMs, silent, type Progress } from "../progress";
import { requirePool } from "./locate";
import type { MachineInputs, MachineOutputs } from "./machine";

/** How the machine's address was found, for the outputs. */
export type Address = Pick<
  MachineOutputs,
  "ipAddress" | "resolvedBy" | "resolution" | "discoveredVia"
>;

/**
 * The libvirt URI of the machine: its virtualization's connection string expanded with the
 * effective user (the machine's `<user>`, else the pool's) and its address; undefined while that
 * is not possible (no address yet).
 */
export function libvirtUriOf(
  l: PoolLocation & { machine?: XmlElement },
  address: Address,
): string | undefined {
  const template =
    getAttribute(l.virtualization, "connection-string") ?? ELEMENT_DEFAULTS.connectionString;
  const userEl =
    (l.machine && firstChildElement(l.machine, USER)) ?? firstChildElement(l.pool, USER);
  const name = userEl && getAttribute(userEl, "name");
  const user = name ? { name, authMethod: getAttribute(userEl, "auth-method") } : undefined;
  try {
    return expandConnectionString(template, {
      localhost: address.resolvedBy === "localhost",
      host: address.ipAddress,
      user,
    });
  } catch {
    return undefined;
  }
}

/** The URI as outputs and messages show it: credentials replaced by `***`. */
export function shownUri(uri: string | undefined): string | undefined {
  return uri === undefined ? undefined : redactUri(uri);
}

/**
 * Refuses a URI that would make the DAS run a program or use a local file of the URI's choosing
 * (`command=`, `+ext`, ...) unless the program allows it with `allowUriCommand: true`. The
 * template is always read from domain.xml, so whoever can write that file could otherwise run
 * any program as the user running pulumi (often root).
 */
export function assertUriAllowed(i: MachineInputs, uri: string): void {
  const found = programParameters(uri);
  if (found.length === 0 || i.allowUriCommand === true) return;
  throw new ImsError(
    "URI_NOT_ALLOWED",
    `the connection string of machine "${i.name}" (${redactUri(uri)}, read from ${shownFile(i)}) uses ${found.join(", ")}, which makes the DAS run a program or open a local file named by domain.xml: set allowUriCommand: true on the machine if you wrote that template, or remove it from the file`,
  );
}

/** What the connectivity check found, for the outputs. */
export type Connection = Pick<
  MachineOutputs,
  "hostname" | "libvirtVersion" | "hypervisorType" | "hypervisorVersion" | "connectionError"
>;

/** Opens the machine's libvirt URI with a time bound and reads what the hypervisor reports. */
export async function connect(
  i: MachineInputs,
  uri: string | undefined,
  virsh: VirshRunner,
  progress: Progress = silent,
): Promise<Connection> {
  if (i.verifyConnection === false) return {};
  if (uri === undefined) {
    throw new ImsError(
      "LIBVIRT_ERROR",
      `machine "${i.name}" has no libvirt URI: its address is not known, so its connection cannot be checked (set verifyConnection: false to skip it)`,
    );
  }
  assertUriAllowed(i, uri);
  const timeoutMs = i.connectTimeoutMs ?? 10000;
  progress(`checking the libvirt connection ${redactUri(uri)} (up to ${shownMs(timeoutMs)})`);
  const r = await verifyConnection(uri, timeoutMs, virsh);
  progress(
    `libvirt ${redactUri(uri)} answered: ${r.hypervisorType} ${r.hypervisorVersion} on host ${r.hostname}`,
  );
  return {
    hostname: r.hostname,
    libvirtVersion: r.libvirtVersion,
    hypervisorType: r.hypervisorType,
    hypervisorVersion: r.hypervisorVersion,
  };
}

/**
 * Checks the connection before anything is written (SPEC §5), with the URI the machine will
 * have: its pool's virtualization and users as the file has them now.
 */
export async function connectBeforeWriting(
  i: MachineInputs,
  address: Address,
  virsh: VirshRunner,
  progress?: Progress,
): Promise<Connection> {
  if (i.verifyConnection === false) return {};
  const { doc, text } = await readDomain(domainAt(i));
  const l = requirePool(doc, shownFile(i), i.serverPool, i.virtualization);
  const existing = mayHoldName(text, i.name) ? findMachine(doc, i.name) : undefined;
  const machine = existing?.pool === l.pool ? existing.machine : undefined;
  return connect(i, libvirtUriOf({ ...l, machine }, address), virsh, progress);
}

/** What the pool in the file says about its network, for discovery. */
export async function poolNetwork(i: MachineInputs): Promise<PoolNetwork> {
  const { doc } = await readDomain(domainAt(i));
  const { pool } = requirePool(doc, shownFile(i), i.serverPool, i.virtualization);
  return {
    name: i.serverPool,
    subnet: getAttribute(pool, "sub-net") ?? "",
    portNames: (getAttribute(pool, "port-name") ?? "").split(";").filter((p) => p !== ""),
  };
}

/**
 * The machine's address: localhost, the fixed ip, or the one its MAC answers at on the pool
 * subnet (SPEC §4). Discovery failures throw: create and update write nothing then.
 */
export async function address(
  i: MachineInputs,
  fx: SweepEffects,
  progress?: Progress,
): Promise<Address> {
  if (i.ip !== undefined) return { ipAddress: i.ip, resolvedBy: "fixed" };
  if (i.mac === undefined) return { ipAddress: "127.0.0.1", resolvedBy: "localhost" };
  const found = await discoverMac(
    i.mac,
    await poolNetwork(i),
    { budgetMs: i.discoveryTimeoutMs, allowLargeSweep: i.allowLargeSweep, progress },
    fx,
  );
  return {
    ipAddress: found.ip,
    resolvedBy: "mac",
    discoveredVia: `${found.port} (${found.source})`,
  };
}

/** Keeps the pool's IP cache in step: discovered addresses only (SPEC §4). */
export async function cacheAddress(o: MachineOutputs): Promise<void> {
  await setCachedIp(
    o.domainXml,
    o.serverPool,
    o.name,
    o.resolvedBy === "mac" ? o.ipAddress : undefined,
    hostOf(o),
  );
}
