import { lstat, readlink } from "node:fs/promises";
import type { Stats } from "node:fs";
import { posix } from "node:path";
import { create } from "@bufbuild/protobuf";
import { TimestampSchema, type Timestamp } from "@bufbuild/protobuf/wkt";
import { EntryInfoSchema, FileType, type EntryInfo } from "@wrenn/proto/envd/filesystem";
import type { UserDirectory } from "../users.js";

/** The entry's type as the wire knows it; sockets, FIFOs and devices are "unspecified". */
export function fileType(stats: Stats): FileType {
  if (stats.isSymbolicLink()) return FileType.SYMLINK;
  if (stats.isDirectory()) return FileType.DIRECTORY;
  if (stats.isFile()) return FileType.FILE;
  return FileType.UNSPECIFIED;
}

function typeChar(stats: Stats): string {
  if (stats.isSymbolicLink()) return "l";
  if (stats.isDirectory()) return "d";
  if (stats.isFile()) return "-";
  if (stats.isFIFO()) return "p";
  if (stats.isSocket()) return "s";
  if (stats.isCharacterDevice()) return "c";
  if (stats.isBlockDevice()) return "b";
  return "?";
}

/**
 * `ls -l` style permissions: `-rw-r--r--`, `drwxr-xr-x`, `lrwxrwxrwx`, with setuid,
 * setgid and sticky shown as s/S and t/T in the execute slots.
 */
export function permissionString(stats: Stats): string {
  const m = stats.mode;
  const slot = (read: number, write: number, exec: number, special: number, on: string, off: string): string =>
    (m & read ? "r" : "-") +
    (m & write ? "w" : "-") +
    (m & special ? (m & exec ? on : off) : m & exec ? "x" : "-");
  return (
    typeChar(stats) +
    slot(0o400, 0o200, 0o100, 0o4000, "s", "S") +
    slot(0o040, 0o020, 0o010, 0o2000, "s", "S") +
    slot(0o004, 0o002, 0o001, 0o1000, "t", "T")
  );
}

/**
 * EntryInfo for `path` from the stats of the entry itself (lstat: a symlink describes
 * the link, not its target). `mode` carries the low 12 bits (permissions plus setuid,
 * setgid, sticky) without the file-type bits; `type` carries the type.
 */
export function entryFromStats(path: string, stats: Stats, users: UserDirectory, symlinkTarget?: string): EntryInfo {
  return create(EntryInfoSchema, {
    name: posix.basename(path) || path,
    type: fileType(stats),
    path,
    size: BigInt(stats.size),
    mode: stats.mode & 0o7777,
    permissions: permissionString(stats),
    owner: users.userName(stats.uid),
    group: users.groupName(stats.gid),
    modifiedTime: timestampFromStatMs(stats.mtimeMs),
    symlinkTarget,
  });
}

/** A Timestamp keeping the sub-millisecond part that `stats.mtime` (a Date) drops. */
export function timestampFromStatMs(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.min(999_999_999, Math.round((ms - seconds * 1000) * 1e6));
  return create(TimestampSchema, { seconds: BigInt(seconds), nanos });
}

/** lstat + EntryInfo; a symlink's target is reported as written in the link. */
export async function entryInfo(path: string, users: UserDirectory): Promise<EntryInfo> {
  const stats = await lstat(path);
  const target = stats.isSymbolicLink() ? await readlink(path).catch(() => undefined) : undefined;
  return entryFromStats(path, stats, users, target);
}
