import type { WriteData } from "./source.js";

/** A file, directory or symlink in a capsule. */
export interface EntryInfo {
  name: string;
  /** Absolute path. */
  path: string;
  type: "file" | "directory" | "symlink";
  /** Size in bytes. */
  size: number;
  /** Unix mode bits, e.g. 0o644. */
  mode: number;
  /** `ls -l` style, e.g. `-rw-r--r--`. */
  permissions: string;
  owner: string;
  group: string;
  modifiedAt: Date | undefined;
  /** Where a symlink points. */
  symlinkTarget?: string;
}

/** What `files.write` wrote. */
export interface WriteInfo {
  name: string;
  /** The path as given (relative paths and `~` are resolved in the capsule). */
  path: string;
}

/** One file of a batch write. */
export interface WriteEntry {
  path: string;
  data: WriteData;
}

/** A change in a watched directory. */
export interface FilesystemEvent {
  type: "create" | "write" | "remove" | "rename" | "chmod";
  /** Path of the changed entry, relative to the watched directory. */
  name: string;
}

export interface FileOptions {
  /** Act as this user (default: the template's user). */
  user?: string;
  /** Time limit of the call in milliseconds (default: the client's requestTimeoutMs; 0 = none). */
  requestTimeoutMs?: number;
}

/** @internal The API's JSON for an entry. */
export interface EntryJson {
  name: string;
  path: string;
  type: "file" | "directory" | "symlink";
  size: number;
  mode: number;
  permissions: string;
  owner: string;
  group: string;
  modified_at: string | null;
  symlink_target?: string;
}

/** @internal */
export function entryOf(json: EntryJson): EntryInfo {
  return {
    name: json.name,
    path: json.path,
    type: json.type,
    size: json.size,
    mode: json.mode,
    permissions: json.permissions,
    owner: json.owner,
    group: json.group,
    modifiedAt: json.modified_at ? new Date(json.modified_at) : undefined,
    ...(json.symlink_target !== undefined ? { symlinkTarget: json.symlink_target } : {}),
  };
}
