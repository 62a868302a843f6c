import { chmod, chown, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BuildLog } from "./build-log.js";
import { runInChroot } from "./chroot.js";

/**
 * The account processes run as unless a request names another: E2B's default user, so
 * code written for E2B finds the same home, uid and passwordless sudo.
 */
export const DEFAULT_USER = { name: "user", uid: 1000, home: "/home/user", shell: "/bin/bash" } as const;

/** Where the runtime bind-mounts the /opt/wrenn layer (envd + Node); empty in the image. */
export const OPT_MOUNT_POINT = "opt/wrenn";

/** The public mirror capsules use for `apt-get`, whatever mirror the image was built from. */
const CAPSULE_APT_SOURCES = `deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
`;

/**
 * Files every image carries, relative to the rootfs. Part of the content hash: changing
 * one rebuilds every image. The runtime may still override resolv.conf and the hostname
 * per capsule.
 */
export const SYSTEM_FILES: Readonly<Record<string, { content: string; mode: number }>> = {
  "etc/resolv.conf": { content: "nameserver 1.1.1.1\nnameserver 8.8.8.8\n", mode: 0o644 },
  "etc/hosts": { content: "127.0.0.1\tlocalhost\n127.0.1.1\tcapsule\n::1\tlocalhost ip6-localhost ip6-loopback\n", mode: 0o644 },
  "etc/hostname": { content: "capsule\n", mode: 0o644 },
  "etc/apt/sources.list": { content: CAPSULE_APT_SOURCES, mode: 0o644 },
  [`etc/sudoers.d/${DEFAULT_USER.name}`]: { content: `${DEFAULT_USER.name} ALL=(ALL:ALL) NOPASSWD: ALL\n`, mode: 0o440 },
};

/**
 * Writes a file inside a rootfs without following a symlink that may sit at its path
 * (debootstrap copies the host's resolv.conf, which can be a link to /run/...).
 */
export async function writeRootfsFile(rootfs: string, rel: string, content: string, mode: number): Promise<void> {
  const path = join(rootfs, rel);
  await rm(path, { force: true });
  await writeFile(path, content, { mode, flag: "wx" });
  await chmod(path, mode);
}

export async function writeSystemFiles(rootfs: string): Promise<void> {
  for (const [rel, file] of Object.entries(SYSTEM_FILES)) await writeRootfsFile(rootfs, rel, file.content, file.mode);
}

/** Creates the default user and the empty /opt/wrenn mount point. */
export async function configureRootImage(rootfs: string, log: BuildLog, signal: AbortSignal): Promise<void> {
  const u = DEFAULT_USER;
  const opts = { log, signal };
  await runInChroot(rootfs, ["useradd", "--create-home", "--home-dir", u.home, "--uid", String(u.uid), "--user-group", "--shell", u.shell, u.name], opts);
  await writeSystemFiles(rootfs);
  await runInChroot(rootfs, ["visudo", "--check", "--quiet", "--file", `/etc/sudoers.d/${u.name}`], opts);
  const opt = join(rootfs, OPT_MOUNT_POINT);
  await mkdir(opt, { recursive: true, mode: 0o755 });
  await chown(opt, 0, 0);
  if ((await readdir(opt)).length > 0) throw new Error(`/${OPT_MOUNT_POINT} in the image must be empty`);
}

/** Removes what only the build needed: downloaded .debs and apt indexes. */
export async function trimRootfs(rootfs: string): Promise<void> {
  for (const dir of ["var/cache/apt/archives", "var/lib/apt/lists"]) {
    const path = join(rootfs, dir);
    const names = await readdir(path).catch(() => [] as string[]);
    for (const name of names) {
      if (name === "partial" || name === "lock") continue;
      await rm(join(path, name), { recursive: true, force: true });
    }
  }
  await rm(join(rootfs, "var/cache/apt/pkgcache.bin"), { force: true });
  await rm(join(rootfs, "var/cache/apt/srcpkgcache.bin"), { force: true });
}
