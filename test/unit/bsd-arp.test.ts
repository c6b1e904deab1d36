import fc from "fast-check";
import { isImsError } from "../../provider/errors";
import { parseBsdArp } from "../../provider/net/bsd-arp";
import { newSightings, readNeighbourTable, record } from "../../provider/net/neighbours";

// `arp -an` as macOS 14 prints it: a Wi-Fi port (en0), a second Ethernet port (en1) that sees
// the same link-local address, and a bridge of the host's VMs (bridge100, the DAS's own address
// permanent). Octets are printed without leading zeros.
const MACOS = [
  "? (10.0.0.1) at 0:1c:c4:9f:e9:3b on en0 ifscope [ethernet]",
  "? (10.0.0.12) at (incomplete) on en0 ifscope [ethernet]",
  "? (10.0.0.255) at ff:ff:ff:ff:ff:ff on en0 ifscope [ethernet]",
  "? (169.254.1.1) at (incomplete) on en0 ifscope [ethernet]",
  "? (169.254.1.1) at 2:0:0:0:0:1 on en1 ifscope [ethernet]",
  "? (192.168.64.1) at be:d0:74:13:a:64 on bridge100 ifscope permanent [bridge]",
  "? (192.168.64.3) at 2:0:0:0:0:3 on bridge100 ifscope [bridge]",
  "? (224.0.0.251) at 1:0:5e:0:0:fb on en0 ifscope permanent [ethernet]",
  "",
].join("\n");

describe("the BSD neighbour table (arp -an, macOS)", () => {
  it("parses every entry, incomplete ones without a MAC, octets padded to two digits", () => {
    expect(parseBsdArp(MACOS)).toEqual([
      { ip: "10.0.0.1", mac: "00:1c:c4:9f:e9:3b", dev: "en0" },
      { ip: "10.0.0.12", dev: "en0" },
      { ip: "10.0.0.255", mac: "ff:ff:ff:ff:ff:ff", dev: "en0" },
      { ip: "169.254.1.1", dev: "en0" },
      { ip: "169.254.1.1", mac: "02:00:00:00:00:01", dev: "en1" },
      { ip: "192.168.64.1", mac: "be:d0:74:13:0a:64", dev: "bridge100" },
      { ip: "192.168.64.3", mac: "02:00:00:00:00:03", dev: "bridge100" },
      { ip: "224.0.0.251", mac: "01:00:5e:00:00:fb", dev: "en0" },
    ]);
  });

  it("parses FreeBSD's form (expires in N seconds) and skips lines that are no entry", () => {
    const text = [
      "? (10.0.2.2) at 52:54:0:12:35:2 on em0 expires in 1197 seconds [ethernet]",
      "? (10.0.2.15) at 8:0:27:a:b:c on em0 permanent [ethernet]",
      "arp: cannot read table",
      "? (10.0.2.16) at 8:0:27 on em0 [ethernet]",
    ].join("\n");
    expect(parseBsdArp(text)).toEqual([
      { ip: "10.0.2.2", mac: "52:54:00:12:35:02", dev: "em0" },
      { ip: "10.0.2.15", mac: "08:00:27:0a:0b:0c", dev: "em0" },
      { ip: "10.0.2.16", dev: "em0" },
    ]);
  });

  it("keeps an address scoped to its interface: only the swept port's entries count", () => {
    const seen = newSightings();
    record(seen, parseBsdArp(MACOS), "en1", "169.254.0.0/16");
    expect([...seen.byIp]).toEqual([["169.254.1.1", new Set(["02:00:00:00:00:01"])]]);
    const onEn0 = newSightings();
    record(onEn0, parseBsdArp(MACOS), "en0", "169.254.0.0/16");
    expect(onEn0.byIp.size).toBe(0);
  });

  it("reads any MAC printed without leading zeros back in canonical form (property)", () => {
    const octets = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 });
    fc.assert(
      fc.property(octets, (o) => {
        const printed = o.map((b) => b.toString(16)).join(":");
        const canonical = o.map((b) => b.toString(16).padStart(2, "0")).join(":");
        expect(parseBsdArp(`? (10.0.0.9) at ${printed} on en0 ifscope [ethernet]`)).toEqual([
          { ip: "10.0.0.9", mac: canonical, dev: "en0" },
        ]);
      }),
    );
  });
});

describe("reading the neighbour table per platform", () => {
  const calls: string[] = [];
  const source = {
    readFile: async (file: string) => {
      calls.push(`read ${file}`);
      return "IP address       HW type     Flags       HW address            Mask     Device\n10.0.0.1         0x1         0x2         00:1c:c4:9f:e9:3b     *        br0\n";
    },
    run: async (command: string, args: readonly string[]) => {
      calls.push(`run ${command} ${args.join(" ")}`);
      return MACOS;
    },
  };
  beforeEach(() => (calls.length = 0));

  it("reads /proc/net/arp on Linux", async () => {
    expect(await readNeighbourTable("linux", source)).toEqual([
      { ip: "10.0.0.1", mac: "00:1c:c4:9f:e9:3b", dev: "br0" },
    ]);
    expect(calls).toEqual(["read /proc/net/arp"]);
  });

  it("runs arp -an on macOS", async () => {
    expect(await readNeighbourTable("darwin", source)).toHaveLength(8);
    expect(calls).toEqual(["run /usr/sbin/arp -an"]);
  });

  it("fails on any other platform with PLATFORM_UNSUPPORTED naming it, reading nothing", async () => {
    const e = await readNeighbourTable("win32", source).catch((x: unknown) => x);
    expect(isImsError(e, "PLATFORM_UNSUPPORTED")).toBe(true);
    expect((e as Error).message).toBe(
      'glassfish-ims PLATFORM_UNSUPPORTED: finding machines by MAC reads the neighbour table, which this provider knows how to read on Linux and macOS only, not on platform "win32": run the DAS on Linux or macOS, or give the machines fixed ip addresses',
    );
    expect(calls).toEqual([]);
  });

  it("reads the real table of the platform it runs on by default", async () => {
    expect(Array.isArray(await readNeighbourTable())).toBe(true);
  });
});
