import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import {
  callerSocket,
  decodeAddress,
  parseSocketTable,
  processTree,
  refusal,
} from "../../provider/plugin/peer";

// The kernel's socket tables as a little-endian x86 kernel prints them (samples taken on this
// project's CI machine), and a fake /proc built in a temp directory.
const HEADER =
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
const TCP = [
  HEADER,
  // the plugin's listening socket, 127.0.0.1:36275
  "   0: 0100007F:8DB3 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 65709 1 0000000000000000 100 0 0 10 0",
  // the plugin's end of a connection from 127.0.0.1:46716
  "   1: 0100007F:8DB3 0100007F:B67C 01 00000000:00000000 00:00000000 00000000     0        0 70001 1 0000000000000000 20 4 30 10 -1",
  // the caller's end, owned by uid 65534
  "   2: 0100007F:B67C 0100007F:8DB3 01 00000000:00000000 00:00000000 00000000 65534        0 70002 1 0000000000000000 20 4 30 10 -1",
].join("\n");
const TCP6 = [
  HEADER,
  // a caller on a v4-mapped IPv6 socket, ::ffff:127.0.0.1:40000 -> ::ffff:127.0.0.1:36275
  "   0: 0000000000000000FFFF00000100007F:9C40 0000000000000000FFFF00000100007F:8DB3 01 00000000:00000000 00:00000000 00000000     0        0 70003 1 0000000000000000 20 4 30 10 -1",
].join("\n");

describe("the kernel's socket tables", () => {
  test("decodes addresses in host byte order, v4-mapped IPv6 as IPv4", () => {
    expect(decodeAddress("0100007F", true)).toBe("127.0.0.1");
    expect(decodeAddress("7F000001", false)).toBe("127.0.0.1");
    expect(decodeAddress("0000000000000000FFFF00000100007F", true)).toBe("127.0.0.1");
    expect(decodeAddress("00000000000000000000000001000000", true)).toBe("0:0:0:0:0:0:0:1");
  });

  test("finds the caller's own end of a connection, with its owner and inode", () => {
    const rows = parseSocketTable(TCP, true);
    expect(rows).toHaveLength(3);
    const c = {
      remoteAddress: "127.0.0.1",
      remotePort: 46716,
      localAddress: "127.0.0.1",
      localPort: 36275,
    };
    expect(callerSocket(rows, c)).toEqual({
      localAddress: "127.0.0.1",
      localPort: 46716,
      remoteAddress: "127.0.0.1",
      remotePort: 36275,
      uid: 65534,
      inode: "70002",
    });
    expect(callerSocket(rows, { ...c, remotePort: 46717 })).toBeUndefined();
    const v6 = parseSocketTable(TCP6, true);
    expect(
      callerSocket(v6, { ...c, remoteAddress: "::ffff:127.0.0.1", remotePort: 40000 })?.inode,
    ).toBe("70003");
  });
});

describe("the caller check over a /proc", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), "gf-ims-proc-"));
    mkdirSync(path.join(root, "net"));
    writeFileSync(path.join(root, "net", "tcp"), TCP);
    // The v4-mapped caller runs as this test's user, as the fake /proc's directories do.
    writeFileSync(
      path.join(root, "net", "tcp6"),
      TCP6.replace("     0        0 70003", ` ${process.getuid?.() ?? 0}        0 70003`),
    );
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** A process of the fake /proc: its parent, and the sockets it holds. */
  function proc(pid: number, ppid: number, inodes: string[]): void {
    const dir = path.join(root, String(pid));
    mkdirSync(path.join(dir, "fd"), { recursive: true });
    // A command name with ") " in it: the parent is read after the last ")".
    writeFileSync(path.join(dir, "stat"), `${pid} (a) b) S ${ppid} ${pid} ${pid} 0 -1`);
    inodes.forEach((inode, i) =>
      symlinkSync(`socket:[${inode}]`, path.join(dir, "fd", String(i + 3))),
    );
  }

  const v6caller = {
    remoteAddress: "::ffff:127.0.0.1",
    remotePort: 40000,
    localAddress: "::ffff:127.0.0.1",
    localPort: 36275,
  };

  test("walks the engine's tree from /proc/<pid>/stat parents", () => {
    proc(10, 1, []);
    proc(11, 10, []);
    proc(12, 11, []);
    proc(20, 1, []);
    expect(processTree(10, { root }).sort()).toEqual([10, 11, 12]);
  });

  test("accepts a socket held by the engine or a process of its tree, and nothing else", () => {
    proc(10, 1, ["1", "2"]);
    proc(11, 10, []);
    proc(12, 11, ["70003"]);
    proc(20, 1, ["70003"]);
    expect(refusal(v6caller, 10, { root })).toBeUndefined();
    expect(refusal(v6caller, 20, { root })).toBeUndefined();
    expect(refusal(v6caller, 11, { root })).toBeUndefined();
    rmSync(path.join(root, "12"), { recursive: true });
    expect(refusal(v6caller, 10, { root })).toBe(
      "no process of the engine's tree (pid 10) holds its socket",
    );
  });

  test("refuses a socket of another uid, and one the tables do not hold", () => {
    proc(10, 1, ["70002"]);
    const nobody = {
      remoteAddress: "127.0.0.1",
      remotePort: 46716,
      localAddress: "127.0.0.1",
      localPort: 36275,
    };
    const uid = process.getuid?.() ?? 0;
    expect(refusal(nobody, 10, { root })).toBe(
      `its socket belongs to uid 65534, the engine (pid 10) runs as uid ${uid}`,
    );
    expect(refusal({ ...nobody, remotePort: 1 }, 10, { root })).toBe(
      "its socket is not in the kernel's TCP tables",
    );
    expect(refusal(nobody, 99, { root })).toBe("the engine (pid 99) is gone");
  });
});
