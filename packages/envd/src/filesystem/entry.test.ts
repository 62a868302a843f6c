import { chmod, lstat, mkdtemp, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileType } from "@wrenn/proto/envd/filesystem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserDirectory } from "../users.js";
import { entryInfo, permissionString } from "./entry.js";

describe("entry info", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wrenn-entry-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("renders permissions like ls -l, special bits included", async () => {
    const file = join(dir, "f");
    await writeFile(file, "");
    const cases: [number, string][] = [
      [0o644, "-rw-r--r--"],
      [0o755, "-rwxr-xr-x"],
      [0o000, "----------"],
      [0o4755, "-rwsr-xr-x"],
      [0o4644, "-rwSr--r--"],
      [0o2750, "-rwxr-s---"],
      [0o2640, "-rw-r-S---"],
      [0o1777, "-rwxrwxrwt"],
      [0o1776, "-rwxrwxrwT"],
    ];
    for (const [mode, text] of cases) {
      await chmod(file, mode);
      expect(permissionString(await lstat(file)), mode.toString(8)).toBe(text);
    }
    await mkdir(join(dir, "d"));
    await chmod(join(dir, "d"), 0o750);
    expect(permissionString(await lstat(join(dir, "d")))).toBe("drwxr-x---");
  });

  it("describes a dangling symlink by the link itself", async () => {
    await symlink("does/not/exist", join(dir, "dangling"));
    const entry = await entryInfo(join(dir, "dangling"), new UserDirectory());
    expect(entry).toMatchObject({
      name: "dangling",
      type: FileType.SYMLINK,
      mode: 0o777,
      permissions: "lrwxrwxrwx",
      symlinkTarget: "does/not/exist",
    });
  });

  it("falls back to numeric ids for owners unknown to /etc/passwd", async () => {
    const file = join(dir, "numeric");
    await writeFile(file, "");
    const { chown } = await import("node:fs/promises");
    await chown(file, 54321, 54321);
    const entry = await entryInfo(file, new UserDirectory());
    expect([entry.owner, entry.group]).toEqual(["54321", "54321"]);
  });
});
