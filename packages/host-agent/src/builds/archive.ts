import { copyFile, lstat, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { gunzipSync } from "node:zlib";
import { ArchiveError, tarMembers, zipMembers, type ArchiveMember } from "./archive-formats.js";

export { ArchiveError } from "./archive-formats.js";

export interface ArchiveLimits {
  /** Sum of the members' sizes once unpacked. */
  maxBytes: number;
  maxEntries: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxBytes: 1024 * 1024 * 1024, maxEntries: 50_000 };

export type ArchiveFormat = "tar" | "tar.gz" | "zip";

/** The format named by the caller ("tar", "tar.gz"/"tgz", "zip"), or sniffed when empty. */
export function archiveFormat(named: string, bytes: Uint8Array): ArchiveFormat {
  const name = named.trim().toLowerCase();
  if (name === "tar" || name === "zip") return name;
  if (name === "tar.gz" || name === "tgz" || name === "gz") return "tar.gz";
  if (name) throw new ArchiveError(`archive_format "${named.slice(0, 20)}" is not supported: use tar, tar.gz or zip`);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return "tar.gz";
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return "zip";
  return "tar";
}

/**
 * Unpacks an archive into the empty directory `dest`, refusing anything that could reach
 * outside it: absolute paths, `..`, special files, links whose target leaves the archive,
 * and members that would be written through a symlink. Sizes and counts are capped
 * (`limits`), so a small archive cannot unpack into a huge one.
 */
export async function extractArchive(bytes: Uint8Array, format: string, dest: string, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<void> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = archiveFormat(format, buf);
  let data = buf;
  if (kind === "tar.gz") {
    try {
      // Headers and padding come on top of the members' own bytes.
      data = gunzipSync(buf, { maxOutputLength: limits.maxBytes + limits.maxEntries * 1024 + (1 << 20) });
    } catch (err) {
      const tooBig = (err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError;
      throw new ArchiveError(tooBig ? `the archive unpacks to more than ${limits.maxBytes} bytes` : `the archive is not valid gzip: ${(err as Error).message}`);
    }
  }
  const members = kind === "zip" ? zipMembers(data, limits.maxBytes) : tarMembers(data, limits.maxBytes);
  await mkdir(dest, { recursive: true, mode: 0o700 });
  let count = 0;
  try {
    for (const member of members) {
      if (++count > limits.maxEntries) throw new ArchiveError(`the archive has more than ${limits.maxEntries} entries`);
      await place(dest, member);
    }
  } catch (err) {
    if (err instanceof ArchiveError) throw err;
    if (err instanceof RangeError) throw new ArchiveError(`the archive unpacks to more than ${limits.maxBytes} bytes`);
    throw new ArchiveError(`the archive could not be unpacked: ${(err as Error).message}`);
  }
}

async function place(dest: string, member: ArchiveMember): Promise<void> {
  const rel = memberPath(member.path);
  if (rel === "") return;
  await ensureParents(dest, rel);
  const target = join(dest, rel);
  const existing = await lstat(target).catch(() => undefined);
  if (existing && !(existing.isDirectory() && member.type === "dir")) await rm(target, { recursive: true, force: true });
  switch (member.type) {
    case "dir":
      await mkdir(target, { recursive: true, mode: (member.mode & 0o777) | 0o700 });
      return;
    case "file":
      await writeFile(target, member.data ?? Buffer.alloc(0), { mode: member.mode & 0o777 });
      return;
    case "symlink": {
      const link = member.link ?? "";
      if (!link || posix.isAbsolute(link) || escapes(posix.join(posix.dirname(rel), link))) {
        throw new ArchiveError(`"${member.path}" is a symlink to "${link}", which is outside the archive; links may only point inside it`);
      }
      await symlink(link, target);
      return;
    }
    case "hardlink": {
      const source = memberPath(member.link ?? "");
      if (!source || !(await lstat(join(dest, source)).catch(() => undefined))?.isFile()) {
        throw new ArchiveError(`"${member.path}" is a hard link to "${member.link}", which is not a file earlier in the archive`);
      }
      await copyFile(join(dest, source), target);
      return;
    }
    default:
      throw new ArchiveError(`"${member.path}" is a device, fifo or other special file; archives may hold files, directories and links only`);
  }
}

/** The member's path relative to the archive root, or an ArchiveError for one that leaves it. */
export function memberPath(path: string): string {
  if (path.includes("\0")) throw new ArchiveError("an archive member name contains a NUL byte");
  if (path.startsWith("/")) throw new ArchiveError(`"${path.slice(0, 200)}" is an absolute path; archive members must be relative`);
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new ArchiveError(`"${path.slice(0, 200)}" contains "..": archive members must stay inside the archive`);
  return parts.join("/");
}

function escapes(normalized: string): boolean {
  return normalized === ".." || normalized.startsWith("../");
}

/** Makes the member's parent directories; a parent that is a symlink (or a file) is refused. */
async function ensureParents(dest: string, rel: string): Promise<void> {
  const parts = rel.split("/").slice(0, -1);
  let dir = dest;
  for (const part of parts) {
    dir = join(dir, part);
    const stat = await lstat(dir).catch(() => undefined);
    if (!stat) await mkdir(dir, { mode: 0o755 });
    else if (!stat.isDirectory()) throw new ArchiveError(`"${rel}" would be written through "${dir.slice(dest.length + 1)}", which is not a directory`);
  }
}
