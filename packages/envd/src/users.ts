import { readFileSync, statSync } from "node:fs";
import { WrennError } from "@wrenn/core";

export interface UserInfo {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

interface Cached<T> {
  mtimeMs: number;
  value: T;
}

/**
 * Reads /etc/passwd and /etc/group, re-reading only when they change (template builds
 * add users while envd runs).
 */
export class UserDirectory {
  private passwd: Cached<Map<string, UserInfo>> | undefined;
  private group: Cached<Map<number, string>> | undefined;

  constructor(private readonly etc = "/etc") {}

  /** The user by name; `invalid_request` when there is no such user. */
  lookup(name: string): UserInfo {
    const user = this.users().get(name);
    if (!user) throw new WrennError("invalid_request", `unknown user "${name}": no such user in the capsule`);
    return user;
  }

  userName(uid: number): string {
    for (const user of this.users().values()) if (user.uid === uid) return user.name;
    return String(uid);
  }

  groupName(gid: number): string {
    return this.groups().get(gid) ?? String(gid);
  }

  private users(): Map<string, UserInfo> {
    this.passwd = refresh(`${this.etc}/passwd`, this.passwd, (text) => {
      const users = new Map<string, UserInfo>();
      for (const line of text.split("\n")) {
        const [name, , uid, gid, , home, shell] = line.split(":");
        if (!name || uid === undefined || gid === undefined) continue;
        users.set(name, { name, uid: Number(uid), gid: Number(gid), home: home || "/", shell: shell || "/bin/sh" });
      }
      return users;
    });
    return this.passwd.value;
  }

  private groups(): Map<number, string> {
    this.group = refresh(`${this.etc}/group`, this.group, (text) => {
      const groups = new Map<number, string>();
      for (const line of text.split("\n")) {
        const [name, , gid] = line.split(":");
        if (name && gid !== undefined) groups.set(Number(gid), name);
      }
      return groups;
    });
    return this.group.value;
  }
}

function refresh<T>(path: string, cached: Cached<T> | undefined, parse: (text: string) => T): Cached<T> {
  let mtimeMs = -1;
  try {
    mtimeMs = statSync(path).mtimeMs;
  } catch {
    return cached ?? { mtimeMs, value: parse("") };
  }
  if (cached && cached.mtimeMs === mtimeMs) return cached;
  return { mtimeMs, value: parse(readFileSync(path, "utf8")) };
}
