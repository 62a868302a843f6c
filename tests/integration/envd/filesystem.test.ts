import { chmod, lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { FileType } from "@wrenn/proto/envd/filesystem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envdClients, startEnvd, type EnvdClients, type RunningEnvd } from "@wrenn/testkit";

async function codeOf(promise: Promise<unknown>): Promise<Code> {
  try {
    await promise;
  } catch (err) {
    return ConnectError.from(err).code;
  }
  throw new Error("expected the call to fail");
}

async function errorOf(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("expected the call to fail");
}

describe("envd filesystem service", () => {
  let envd: RunningEnvd;
  let root: EnvdClients["filesystem"];
  let nobody: EnvdClients["filesystem"];
  let dir: string;

  beforeAll(async () => {
    envd = await startEnvd();
    root = envdClients(envd.url).filesystem;
    nobody = envdClients(envd.url, { user: "nobody" }).filesystem;
    dir = await mkdtemp(join(tmpdir(), "wrenn-fs-"));
    await chmod(dir, 0o755);
  });

  afterAll(async () => {
    await envd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe("Stat", () => {
    it("describes a file: type, size, mode, permissions, owner, group, modified time", async () => {
      const path = join(dir, "stat.txt");
      await writeFile(path, "hello");
      await chmod(path, 0o640);
      const { entry } = await root.stat({ path });
      const st = await stat(path);
      expect(entry).toMatchObject({
        name: "stat.txt",
        type: FileType.FILE,
        path,
        size: 5n,
        mode: 0o640,
        permissions: "-rw-r-----",
        owner: "root",
        group: "root",
      });
      expect(entry?.symlinkTarget).toBeUndefined();
      const { seconds, nanos } = entry!.modifiedTime!;
      expect(Math.abs(Number(seconds) * 1000 + nanos / 1e6 - st.mtimeMs)).toBeLessThan(0.001);
    });

    it("describes a directory with d-permissions", async () => {
      const { entry } = await root.stat({ path: dir });
      expect(entry).toMatchObject({ type: FileType.DIRECTORY, mode: 0o755, permissions: "drwxr-xr-x" });
    });

    it("describes a symlink itself, with its target", async () => {
      const target = join(dir, "stat.txt");
      const link = join(dir, "stat-link");
      await symlink(target, link);
      const { entry } = await root.stat({ path: link });
      expect(entry).toMatchObject({ name: "stat-link", type: FileType.SYMLINK, permissions: "lrwxrwxrwx", symlinkTarget: target });
    });

    it("shows setuid, setgid and sticky bits in mode and permissions", async () => {
      const path = join(dir, "special");
      await writeFile(path, "");
      await chmod(path, 0o6755);
      const { entry } = await root.stat({ path });
      expect(entry).toMatchObject({ mode: 0o6755, permissions: "-rwsr-sr-x" });
      const sticky = join(dir, "sticky");
      await mkdir(sticky);
      await chmod(sticky, 0o1777);
      expect((await root.stat({ path: sticky })).entry).toMatchObject({ mode: 0o1777, permissions: "drwxrwxrwt" });
    });

    it("names the owner and group of files owned by another user", async () => {
      const path = join(dir, "nobody-owned");
      await writeFile(path, "");
      const { chown } = await import("node:fs/promises");
      await chown(path, 65534, 65534);
      const { entry } = await root.stat({ path });
      expect(entry?.owner).toBe("nobody");
      expect(entry?.group).toMatch(/^(nogroup|nobody|65534)$/);
    });

    it("resolves ~ and relative paths against the user's home", async () => {
      expect((await root.stat({ path: "~" })).entry).toMatchObject({ path: "/root", type: FileType.DIRECTORY });
      const name = `wrenn-fs-home-${process.pid}`;
      await writeFile(join("/root", name), "x");
      try {
        expect((await root.stat({ path: name })).entry?.path).toBe(`/root/${name}`);
        expect((await root.stat({ path: `~/${name}` })).entry?.path).toBe(`/root/${name}`);
      } finally {
        await rm(join("/root", name), { force: true });
      }
    });

    it("is not_found for a missing path", async () => {
      const err = await errorOf(root.stat({ path: join(dir, "missing") }));
      expect(err.code).toBe(Code.NotFound);
      expect(err.rawMessage).toContain(join(dir, "missing"));
    });

    it("explains a relative path for a user whose home does not exist", async () => {
      const err = await errorOf(nobody.stat({ path: "notes.txt" }));
      expect(err.code).toBe(Code.NotFound);
      expect(err.rawMessage).toContain("/nonexistent/notes.txt");
      expect(err.rawMessage).toContain("nobody's home /nonexistent, which does not exist");
      // Absolute paths work the same for every user.
      expect((await nobody.stat({ path: dir })).entry?.path).toBe(dir);
    });

    it("rejects an unknown user, an empty path and a path with NUL as invalid_argument", async () => {
      const ghost = envdClients(envd.url, { user: "no-such-user" }).filesystem;
      const err = await errorOf(ghost.stat({ path: dir }));
      expect(err.code).toBe(Code.InvalidArgument);
      expect(err.rawMessage).toContain("no-such-user");
      expect(await codeOf(root.stat({ path: "" }))).toBe(Code.InvalidArgument);
      expect(await codeOf(root.stat({ path: `${dir}/a\0b` }))).toBe(Code.InvalidArgument);
    });
  });

  describe("MakeDir", () => {
    it("creates missing parents, owned by the request's user", async () => {
      const path = join(dir, "mk", "a", "b");
      const client = envdClients(envd.url, { user: "nobody" }).filesystem;
      const { entry } = await client.makeDir({ path });
      expect(entry).toMatchObject({ path, name: "b", type: FileType.DIRECTORY, owner: "nobody" });
      for (const p of [join(dir, "mk"), join(dir, "mk", "a"), path]) {
        expect((await stat(p)).uid).toBe(65534);
      }
    });

    it("is already_exists for an existing directory and invalid_argument for an existing file", async () => {
      await mkdir(join(dir, "exists"));
      expect(await codeOf(root.makeDir({ path: join(dir, "exists") }))).toBe(Code.AlreadyExists);
      await writeFile(join(dir, "file-not-dir"), "");
      expect(await codeOf(root.makeDir({ path: join(dir, "file-not-dir") }))).toBe(Code.InvalidArgument);
      expect(await codeOf(root.makeDir({ path: join(dir, "file-not-dir", "sub") }))).toBe(Code.InvalidArgument);
    });

    it("will not create a home that does not exist for a relative path", async () => {
      const err = await errorOf(nobody.makeDir({ path: "projects" }));
      expect(err.code).toBe(Code.NotFound);
      expect(err.rawMessage).toContain("pass an absolute path");
      await expect(stat("/nonexistent")).rejects.toMatchObject({ code: "ENOENT" });
    });
  });

  describe("Move", () => {
    it("renames a file into new parent directories and returns the new entry", async () => {
      const source = join(dir, "move-src.txt");
      await writeFile(source, "moved");
      const destination = join(dir, "moved", "deep", "dest.txt");
      const { entry } = await root.move({ source, destination });
      expect(entry).toMatchObject({ path: destination, name: "dest.txt", type: FileType.FILE, size: 5n });
      expect(await readFile(destination, "utf8")).toBe("moved");
      await expect(lstat(source)).rejects.toMatchObject({ code: "ENOENT" });
    });

    it("moves a directory tree", async () => {
      await mkdir(join(dir, "tree-src", "x"), { recursive: true });
      await writeFile(join(dir, "tree-src", "x", "f"), "1");
      await root.move({ source: join(dir, "tree-src"), destination: join(dir, "tree-dst") });
      expect(await readFile(join(dir, "tree-dst", "x", "f"), "utf8")).toBe("1");
    });

    it("is not_found for a missing source", async () => {
      const err = await errorOf(root.move({ source: join(dir, "nope"), destination: join(dir, "nope2") }));
      expect(err.code).toBe(Code.NotFound);
      expect(err.rawMessage).toContain("source does not exist");
    });
  });

  describe("ListDir", () => {
    let tree: string;
    beforeAll(async () => {
      tree = join(dir, "list");
      await mkdir(join(tree, "sub", "deeper"), { recursive: true });
      await writeFile(join(tree, "a.txt"), "aaa");
      await writeFile(join(tree, "sub", "b.txt"), "b");
      await writeFile(join(tree, "sub", "deeper", "c.txt"), "c");
      await symlink(join(tree, "sub"), join(tree, "link-to-sub"));
    });

    it("lists direct children at depth 1 (and 0), symlinks as symlinks", async () => {
      for (const depth of [0, 1]) {
        const { entries } = await root.listDir({ path: tree, depth });
        expect(entries.map((e) => [e.name, e.type, e.path])).toEqual([
          ["a.txt", FileType.FILE, join(tree, "a.txt")],
          ["link-to-sub", FileType.SYMLINK, join(tree, "link-to-sub")],
          ["sub", FileType.DIRECTORY, join(tree, "sub")],
        ]);
        const link = entries.find((e) => e.name === "link-to-sub");
        expect(link?.symlinkTarget).toBe(join(tree, "sub"));
        expect(entries.find((e) => e.name === "a.txt")).toMatchObject({ size: 3n, owner: "root", permissions: "-rw-r--r--" });
      }
    });

    it("includes entries of subdirectories with full paths at depth 2, without following symlinks", async () => {
      const { entries } = await root.listDir({ path: tree, depth: 2 });
      expect(entries.map((e) => e.path)).toEqual([
        join(tree, "a.txt"),
        join(tree, "link-to-sub"),
        join(tree, "sub"),
        join(tree, "sub", "b.txt"),
        join(tree, "sub", "deeper"),
      ]);
      const all = await root.listDir({ path: tree, depth: 10 });
      expect(all.entries.map((e) => e.path)).toContain(join(tree, "sub", "deeper", "c.txt"));
      expect(all.entries.some((e) => e.path.startsWith(join(tree, "link-to-sub") + "/"))).toBe(false);
    });

    it("lists through a symlinked directory given as the path", async () => {
      const { entries } = await root.listDir({ path: join(tree, "link-to-sub") });
      expect(entries.map((e) => e.path)).toEqual([join(tree, "link-to-sub", "b.txt"), join(tree, "link-to-sub", "deeper")]);
    });

    it("is not_found for a missing directory and invalid_argument for a file", async () => {
      expect(await codeOf(root.listDir({ path: join(tree, "missing") }))).toBe(Code.NotFound);
      expect(await codeOf(root.listDir({ path: join(tree, "a.txt") }))).toBe(Code.InvalidArgument);
    });
  });

  describe("Remove", () => {
    it("removes a file, a symlink (not its target) and a whole directory tree", async () => {
      const file = join(dir, "rm-file");
      await writeFile(file, "x");
      await root.remove({ path: file });
      await expect(lstat(file)).rejects.toMatchObject({ code: "ENOENT" });

      const target = join(dir, "rm-target");
      await writeFile(target, "keep");
      await symlink(target, join(dir, "rm-link"));
      await root.remove({ path: join(dir, "rm-link") });
      expect(await readFile(target, "utf8")).toBe("keep");

      const tree = join(dir, "rm-tree");
      await mkdir(join(tree, "a", "b", "c"), { recursive: true });
      await writeFile(join(tree, "a", "b", "c", "f"), "x");
      await writeFile(join(tree, "a", "g"), "x");
      await root.remove({ path: tree });
      await expect(lstat(tree)).rejects.toMatchObject({ code: "ENOENT" });
    });

    it("is not_found for a missing path and refuses /", async () => {
      expect(await codeOf(root.remove({ path: join(dir, "never-there") }))).toBe(Code.NotFound);
      expect(await codeOf(root.remove({ path: "/" }))).toBe(Code.InvalidArgument);
    });
  });

  it("still answers /health after all the bad inputs", async () => {
    const res = await fetch(`${envd.url}/health`);
    expect(res.status).toBe(200);
    expect(envd.child.exitCode).toBeNull();
  });
});
