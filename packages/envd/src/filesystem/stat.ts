import type { EntryInfo } from "@wrenn/proto/envd/filesystem";
import type { UserDirectory } from "../users.js";
import { entryInfo } from "./entry.js";
import { withHomeHint, type UserPath } from "./user-path.js";

/** Stat: the entry itself (a symlink is reported as a symlink, with its target). */
export function statEntry(target: UserPath, users: UserDirectory): Promise<EntryInfo> {
  return withHomeHint(target, () => entryInfo(target.path, users));
}
