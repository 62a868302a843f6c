import { inflateRawSync } from "node:zlib";

/** One member of an archive, before any path checks. */
export interface ArchiveMember {
  path: string;
  type: "file" | "dir" | "symlink" | "hardlink" | "other";
  /** Permission bits (0o7777). */
  mode: number;
  /** File contents (files only). */
  data?: Buffer;
  /** Symlink or hardlink target. */
  link?: string;
}

export class ArchiveError extends Error {}

/**
 * Members of a tar archive (POSIX ustar, pax `path`/`linkpath`/`size` records, GNU long
 * names), in order. `maxBytes` caps the sum of member sizes.
 */
export function* tarMembers(buf: Buffer, maxBytes: number): Generator<ArchiveMember> {
  let offset = 0;
  let total = 0;
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  while (offset + 512 <= buf.length) {
    const header = buf.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) return;
    if (!validChecksum(header)) throw new ArchiveError(`tar header at byte ${offset} has a bad checksum: the archive is damaged or not a tar`);
    const typeflag = String.fromCharCode(header[156]!);
    const size = pax.size !== undefined ? Number(pax.size) : tarNumber(header.subarray(124, 136));
    if (!Number.isSafeInteger(size) || size < 0) throw new ArchiveError(`tar member at byte ${offset} has an invalid size`);
    const dataStart = offset + 512;
    if (dataStart + size > buf.length) throw new ArchiveError("the tar archive ends in the middle of a member: it is truncated");
    const data = buf.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / 512) * 512;
    if (typeflag === "x") {
      pax = { ...pax, ...paxRecords(data) };
      continue;
    }
    if (typeflag === "g") continue;
    if (typeflag === "L") {
      longName = cString(data);
      continue;
    }
    if (typeflag === "K") {
      longLink = cString(data);
      continue;
    }
    total += size;
    if (total > maxBytes) throw new ArchiveError(`the archive unpacks to more than ${maxBytes} bytes`);
    const prefix = header[257] === 0x75 /* "u"star */ ? cString(header.subarray(345, 500)) : "";
    const name = cString(header.subarray(0, 100));
    const path = pax.path ?? longName ?? (prefix ? `${prefix}/${name}` : name);
    const link = pax.linkpath ?? longLink ?? cString(header.subarray(157, 257));
    const mode = tarNumber(header.subarray(100, 108)) & 0o7777;
    pax = {};
    longName = longLink = undefined;
    const type = typeflag === "0" || typeflag === "\0" || typeflag === "7" ? "file" : typeflag === "5" ? "dir" : typeflag === "2" ? "symlink" : typeflag === "1" ? "hardlink" : "other";
    yield { path, type, mode, data: type === "file" ? Buffer.from(data) : undefined, link: type === "symlink" || type === "hardlink" ? link : undefined };
  }
}

function validChecksum(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum === tarNumber(header.subarray(148, 156));
}

/** Octal text, or GNU base-256 when the high bit is set. */
function tarNumber(field: Buffer): number {
  if (field[0]! & 0x80) {
    let n = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    return n;
  }
  const text = cString(field).trim();
  return text ? parseInt(text, 8) : 0;
}

function cString(buf: Buffer): string {
  const end = buf.indexOf(0);
  return buf.subarray(0, end < 0 ? buf.length : end).toString("utf8");
}

/** pax records: "<len> <key>=<value>\n" repeated. */
function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space < 0) break;
    const len = Number(data.subarray(i, space).toString("ascii"));
    if (!Number.isInteger(len) || len <= 0 || i + len > data.length) throw new ArchiveError("the tar archive has a malformed pax header");
    const record = data.subarray(space + 1, i + len - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

/**
 * Members of a zip archive from its central directory (stored and deflated members;
 * Unix modes and symlinks from the "external attributes"). Zip64 is not supported.
 */
export function* zipMembers(buf: Buffer, maxBytes: number): Generator<ArchiveMember> {
  const eocd = findEndOfCentralDirectory(buf);
  const count = buf.readUInt16LE(eocd + 10);
  let offset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || offset === 0xffffffff) throw new ArchiveError("zip64 archives are not supported: use tar.gz for archives this large");
  let total = 0;
  for (let n = 0; n < count; n++) {
    if (offset + 46 > buf.length || buf.readUInt32LE(offset) !== 0x02014b50) throw new ArchiveError("the zip central directory is damaged");
    const method = buf.readUInt16LE(offset + 10);
    const compressed = buf.readUInt32LE(offset + 20);
    const size = buf.readUInt32LE(offset + 24);
    const nameLen = buf.readUInt16LE(offset + 28);
    const extraLen = buf.readUInt16LE(offset + 30);
    const commentLen = buf.readUInt16LE(offset + 32);
    const madeBy = buf.readUInt16LE(offset + 4) >> 8;
    const external = buf.readUInt32LE(offset + 38);
    const local = buf.readUInt32LE(offset + 42);
    const path = buf.subarray(offset + 46, offset + 46 + nameLen).toString("utf8");
    offset += 46 + nameLen + extraLen + commentLen;
    if (compressed === 0xffffffff || size === 0xffffffff) throw new ArchiveError("zip64 archives are not supported: use tar.gz for archives this large");
    total += size;
    if (total > maxBytes) throw new ArchiveError(`the archive unpacks to more than ${maxBytes} bytes`);
    const unixMode = madeBy === 3 ? external >>> 16 : 0;
    const fileType = unixMode & 0o170000;
    const isDir = path.endsWith("/") || fileType === 0o040000;
    if (isDir) {
      yield { path, type: "dir", mode: unixMode & 0o7777 || 0o755 };
      continue;
    }
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50) throw new ArchiveError(`the zip member "${path}" is damaged`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + compressed > buf.length) throw new ArchiveError(`the zip member "${path}" is truncated`);
    const raw = buf.subarray(start, start + compressed);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) data = inflateRawSync(raw, { maxOutputLength: Math.max(1, size) });
    else throw new ArchiveError(`the zip member "${path}" uses compression method ${method}; only stored and deflate are supported`);
    if (data.length !== size) throw new ArchiveError(`the zip member "${path}" does not unpack to its recorded size`);
    if (fileType === 0o120000) yield { path, type: "symlink", mode: 0o777, link: data.toString("utf8") };
    else yield { path, type: fileType === 0 || fileType === 0o100000 ? "file" : "other", mode: unixMode & 0o7777 || 0o644, data };
  }
}

function findEndOfCentralDirectory(buf: Buffer): number {
  const min = Math.max(0, buf.length - 22 - 0xffff);
  for (let i = buf.length - 22; i >= min; i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) return i;
  }
  throw new ArchiveError("not a zip archive (no end of central directory record)");
}
