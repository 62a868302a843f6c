import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { WrennError } from "@wrenn/core";
import { UserDirectory } from "./users.js";
import { resolveUserPath } from "./paths.js";

describe("UserDirectory", () => {
  const etc = mkdtempSync(join(tmpdir(), "wrenn-etc-"));
  afterAll(() => rmSync(etc, { recursive: true, force: true }));
  writeFileSync(join(etc, "passwd"), "root:x:0:0:root:/root:/bin/bash\nuser:x:1000:1000::/home/user:/bin/sh\n");
  writeFileSync(join(etc, "group"), "root:x:0:\nuser:x:1000:\n");
  const users = new UserDirectory(etc);

  it("looks users up by name and names ids", () => {
    expect(users.lookup("user")).toEqual({ name: "user", uid: 1000, gid: 1000, home: "/home/user", shell: "/bin/sh" });
    expect(users.userName(0)).toBe("root");
    expect(users.groupName(1000)).toBe("user");
    expect(users.userName(4242)).toBe("4242");
  });

  it("rejects unknown users with invalid_request", () => {
    expect(() => users.lookup("ghost")).toThrow(WrennError);
    expect(() => users.lookup("ghost")).toThrow(/unknown user "ghost"/);
  });

  it("sees users added after start", () => {
    writeFileSync(join(etc, "passwd"), "root:x:0:0:root:/root:/bin/bash\nnew:x:1001:1001::/home/new:/bin/sh\n");
    utimesSync(join(etc, "passwd"), new Date(), new Date(Date.now() + 5000));
    expect(users.lookup("new").uid).toBe(1001);
  });
});

describe("resolveUserPath", () => {
  const user = { name: "user", uid: 1000, gid: 1000, home: "/home/user", shell: "/bin/sh" };
  it("expands ~ and resolves relative paths against the home", () => {
    expect(resolveUserPath("~", user)).toBe("/home/user");
    expect(resolveUserPath("~/a/b", user)).toBe("/home/user/a/b");
    expect(resolveUserPath("a/../c", user)).toBe("/home/user/c");
    expect(resolveUserPath("/etc//x/", user)).toBe("/etc/x/");
  });
  it("rejects empty paths and NUL bytes", () => {
    expect(() => resolveUserPath("", user)).toThrow(/path is required/);
    expect(() => resolveUserPath("a\0b", user)).toThrow(/NUL/);
  });
});
