import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "fs";
import * as path from "path";
import { ipCachePath, setCachedIp as setIp } from "../../provider/store/ip-cache";
import { fixture } from "../support/fixtures";
import { storeTargets } from "../support/targets";
import { rejection, tempDomain } from "../support/domain";

let domain: ReturnType<typeof tempDomain>;
let victim: string;
beforeEach(() => {
  domain = tempDomain(fixture("domain.xml"));
  victim = path.join(domain.dir, "victim");
  writeFileSync(victim, "root:secret\n");
});
afterEach(() => domain.cleanup());

describe.each(storeTargets())("pool IP cache through the $name effects", (target) => {
  beforeAll(() => target.start(), 60_000);
  if (target.name === "ssh") jest.setTimeout(60_000);
  afterAll(() => target.stop());
  const setCachedIp = (file: string, pool: string, machine: string, ip: string | undefined) =>
    setIp(file, pool, machine, ip, target.host());

  it("writes a new cache under an unpredictable temp name, ignoring links planted for pid names", async () => {
    const file = ipCachePath(domain.file, "cloud");
    mkdirSync(path.dirname(file), { recursive: true });
    // Every name the old writer could use (`<cache>.<pid>.tmp`) points at the victim.
    for (let pid = process.pid - 50; pid <= process.pid + 50; pid++) {
      symlinkSync(victim, `${file}.${pid}.tmp`);
    }
    await setCachedIp(domain.file, "cloud", "m1", "10.0.0.5");
    expect(readFileSync(victim, "utf8")).toBe("root:secret\n");
    expect(readFileSync(file, "utf8")).toBe("m1=10.0.0.5\n");
    expect(lstatSync(file).isSymbolicLink()).toBe(false);
  });

  it("refuses a cache file that is a symlink and leaves its target untouched", async () => {
    const file = ipCachePath(domain.file, "cloud");
    mkdirSync(path.dirname(file), { recursive: true });
    symlinkSync(victim, file);
    const err = await rejection(setCachedIp(domain.file, "cloud", "m1", "10.0.0.5"));
    expect(err.code).toBe("UNSAFE_PATH");
    expect(err.message).toContain(`${file} is a symbolic link;`);
    expect(readFileSync(victim, "utf8")).toBe("root:secret\n");
  });

  it("refuses a symlinked cache directory", async () => {
    const elsewhere = path.join(domain.dir, "elsewhere");
    mkdirSync(elsewhere);
    writeFileSync(path.join(elsewhere, "cloud.cache"), "root:secret\n");
    mkdirSync(path.join(domain.dir, "virt"));
    symlinkSync(elsewhere, path.join(domain.dir, "virt", "cache"));
    const err = await rejection(setCachedIp(domain.file, "cloud", "m1", "10.0.0.5"));
    expect(err.code).toBe("UNSAFE_PATH");
    expect(readFileSync(path.join(elsewhere, "cloud.cache"), "utf8")).toBe("root:secret\n");
    expect(readdirSync(elsewhere)).toEqual(["cloud.cache"]);
  });

  it("keeps the other machines' lines and removes the cache's own line", async () => {
    await setCachedIp(domain.file, "cloud", "m1", "10.0.0.5");
    await setCachedIp(domain.file, "cloud", "m2", "10.0.0.6");
    await setCachedIp(domain.file, "cloud", "m1", undefined);
    expect(readFileSync(ipCachePath(domain.file, "cloud"), "utf8")).toBe("m2=10.0.0.6\n");
    expect(readdirSync(path.dirname(ipCachePath(domain.file, "cloud")))).toEqual(["cloud.cache"]);
  });
});

describe("pool IP cache names", () => {
  const setCachedIp = setIp;
  it("refuses a pool name from the file that would leave the cache directory", async () => {
    const d = tempDomain(fixture("domain.xml"));
    try {
      const err = await rejection(setCachedIp(d.file, "../../../tmp/evil", "m1", "10.0.0.1"));
      expect(err.code).toBe("UNSAFE_PATH");
      expect(err.message).toContain('server pool name "../../../tmp/evil" cannot name a file in');
      expect(() => ipCachePath(d.file, "..")).toThrow(/UNSAFE_PATH/);
      const bad = await rejection(setCachedIp(d.file, "cloud", "m1\nx=1", "10.0.0.1"));
      expect(bad.code).toBe("UNSAFE_PATH");
      expect(readdirSync(d.dir)).toEqual(["config"]);
    } finally {
      d.cleanup();
    }
  });
});
