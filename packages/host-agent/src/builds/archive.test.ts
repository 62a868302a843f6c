import { lstat, mkdtemp, readFile, readlink, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync, gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { archiveFormat, extractArchive } from "./archive.js";

/** One ustar member: type "0" file, "5" dir, "2" symlink, "1" hard link, "3" char device. */
function tarEntry(name: string, type: string, data = "", link = "", mode = 0o644): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write(`${mode.toString(8).padStart(7, "0")}\0`, 100);
  header.write("0000000\0", 108);
  header.write("0000000\0", 116);
  header.write(`${Buffer.byteLength(data).toString(8).padStart(11, "0")}\0`, 124);
  header.write("00000000000\0", 136);
  header.write(type, 156);
  header.write(link, 157);
  header.write("ustar\0", 257);
  header.write("00", 263);
  header.fill(" ", 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  const body = Buffer.alloc(Math.ceil(Buffer.byteLength(data) / 512) * 512);
  body.write(data);
  return Buffer.concat([header, body]);
}
const tar = (...entries: Buffer[]): Buffer => Buffer.concat([...entries, Buffer.alloc(1024)]);

/** A zip with deflated files; `unix` modes go in the external attributes. */
function zip(entries: { name: string; data: string; mode?: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const raw = Buffer.from(e.data);
    const packed = deflateRawSync(raw);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += 30 + name.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

describe("build archives", () => {
  const dirs: string[] = [];
  const fresh = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), "wrenn-archive-"));
    dirs.push(dir);
    return join(dir, "out");
  };
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it("unpacks tar and tar.gz with directories, modes and links inside the archive", async () => {
    const archive = tar(
      tarEntry("./app/", "5", "", "", 0o755),
      tarEntry("./app/run.sh", "0", "#!/bin/sh\n", "", 0o755),
      tarEntry("app/latest", "2", "", "run.sh"),
      tarEntry("app/copy.sh", "1", "", "app/run.sh"),
    );
    for (const [bytes, format] of [[archive, "tar"], [gzipSync(archive), "tar.gz"], [gzipSync(archive), ""]] as const) {
      const out = await fresh();
      await extractArchive(bytes, format, out);
      expect(await readFile(join(out, "app/run.sh"), "utf8")).toBe("#!/bin/sh\n");
      expect((await stat(join(out, "app/run.sh"))).mode & 0o777).toBe(0o755);
      expect(await readlink(join(out, "app/latest"))).toBe("run.sh");
      expect((await lstat(join(out, "app/copy.sh"))).isFile()).toBe(true);
    }
  });

  it("unpacks zip (deflated, with Unix modes)", async () => {
    const out = await fresh();
    await extractArchive(zip([{ name: "bin/tool", data: "echo hi\n", mode: 0o100755 }, { name: "README", data: "read me" }]), "zip", out);
    expect(await readFile(join(out, "README"), "utf8")).toBe("read me");
    expect((await stat(join(out, "bin/tool"))).mode & 0o777).toBe(0o755);
  });

  it("refuses members that leave the archive or are special files", async () => {
    const cases: [Buffer, RegExp][] = [
      [tar(tarEntry("/etc/passwd", "0", "x")), /absolute path/],
      [tar(tarEntry("a/../../x", "0", "x")), /contains "\.\."/],
      [tar(tarEntry("up", "2", "", "../outside")), /outside the archive/],
      [tar(tarEntry("abs", "2", "", "/etc")), /outside the archive/],
      [tar(tarEntry("l", "2", "", "."), tarEntry("l/x", "0", "x")), /not a directory/],
      [tar(tarEntry("dev", "3")), /special file/],
      [tar(tarEntry("h", "1", "", "missing")), /not a file earlier/],
      [zip([{ name: "../x", data: "x" }]), /contains "\.\."/],
    ];
    for (const [bytes, message] of cases) await expect(extractArchive(bytes, "", await fresh())).rejects.toThrow(message);
    // A link up to the archive's own root stays inside it.
    await extractArchive(tar(tarEntry("dir/", "5"), tarEntry("dir/root", "2", "", "..")), "tar", await fresh());
  });

  it("caps what an archive unpacks to", async () => {
    const bomb = gzipSync(tar(tarEntry("big", "0", "x".repeat(100_000))));
    await expect(extractArchive(bomb, "tar.gz", await fresh(), { maxBytes: 50_000, maxEntries: 10 })).rejects.toThrow(/more than 50000 bytes/);
    const many = tar(...Array.from({ length: 5 }, (_, i) => tarEntry(`f${i}`, "0", "x")));
    await expect(extractArchive(many, "tar", await fresh(), { maxBytes: 1 << 20, maxEntries: 3 })).rejects.toThrow(/more than 3 entries/);
    await expect(extractArchive(Buffer.from("garbage that is not a tar archive at all"), "tar.gz", await fresh())).rejects.toThrow(/not valid gzip/);
  });

  it("knows formats by name or by their first bytes", () => {
    expect(archiveFormat("TGZ", new Uint8Array())).toBe("tar.gz");
    expect(archiveFormat("", Buffer.from("PK\x03\x04"))).toBe("zip");
    expect(archiveFormat("", Buffer.from("anything"))).toBe("tar");
    expect(() => archiveFormat("rar", new Uint8Array())).toThrow(/not supported/);
  });
});
