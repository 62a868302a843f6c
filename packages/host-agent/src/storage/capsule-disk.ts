import { mkdir, readFile, rm, statfs, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { WrennError } from "@wrenn/core";
import { runCommand } from "../util/command.js";

/**
 * A capsule's root filesystem: the template's read-only rootfs as the lower layer of a
 * host overlayfs, with the writable upper layer on the capsule's own ext4 image (a sparse
 * file of `diskMb`, loop-mounted). Writes past the limit fail with ENOSPC inside the
 * capsule; the used size is one statfs away; the layer lives on host disk, so it survives
 * pause/resume, agent restarts and sandbox crashes. See docs/adr/0003.
 */
export class CapsuleDisk {
  readonly image: string;
  readonly mountDir: string;
  readonly upperDir: string;
  readonly workDir: string;
  readonly rootfs: string;

  constructor(readonly dir: string) {
    this.image = join(dir, "disk.img");
    this.mountDir = join(dir, "disk");
    this.upperDir = join(this.mountDir, "upper");
    this.workDir = join(this.mountDir, "work");
    this.rootfs = join(dir, "rootfs");
  }

  /** Makes the ext4 image; fills the upper layer from `seedUpper` (a snapshot's) when given. */
  async create(sizeMb: number, lowerDir: string, seedUpper?: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(this.image, "", { mode: 0o600 });
    await truncate(this.image, sizeMb * 1024 * 1024);
    await runCommand("mkfs.ext4", ["-q", "-F", "-O", "^has_journal", "-E", "lazy_itable_init=1,lazy_journal_init=1", "-m", "0", this.image]);
    await this.mount(lowerDir, seedUpper);
  }

  /** Mounts the image and the overlay; a no-op for what is already mounted. */
  async mount(lowerDir: string, seedUpper?: string): Promise<void> {
    const mounted = await mountedPaths();
    if (!mounted.has(this.mountDir)) {
      await mkdir(this.mountDir, { recursive: true });
      await runCommand("mount", ["-o", "loop,noatime", this.image, this.mountDir]);
    }
    await mkdir(this.upperDir, { recursive: true });
    await mkdir(this.workDir, { recursive: true });
    if (seedUpper) await runCommand("cp", ["-a", "--reflink=auto", `${seedUpper}/.`, `${this.upperDir}/`]);
    if (!mounted.has(this.rootfs)) {
      await mkdir(this.rootfs, { recursive: true });
      await runCommand("mount", [
        "-t",
        "overlay",
        "overlay",
        "-o",
        `lowerdir=${lowerDir},upperdir=${this.upperDir},workdir=${this.workDir}`,
        this.rootfs,
      ]);
    }
  }

  /** Bytes used by the writable layer. */
  async usedBytes(): Promise<number> {
    try {
      const s = await statfs(this.mountDir);
      return (s.blocks - s.bfree) * s.bsize;
    } catch {
      return 0;
    }
  }

  /** Copies the writable layer (for a snapshot template) to `dest`. */
  async exportUpper(dest: string): Promise<void> {
    await mkdir(dest, { recursive: true });
    await runCommand("cp", ["-a", "--reflink=auto", `${this.upperDir}/.`, `${dest}/`]);
  }

  /** Unmounts the overlay and the image (the loop device is released with it). Idempotent. */
  async unmount(): Promise<void> {
    const mounted = await mountedPaths();
    for (const path of [this.rootfs, this.mountDir]) {
      if (!mounted.has(path)) continue;
      try {
        await runCommand("umount", [path]);
      } catch {
        await runCommand("umount", ["-l", path]);
      }
    }
  }

  /** Unmounts and deletes everything under the capsule's directory. */
  async remove(): Promise<void> {
    await this.unmount();
    const mounted = await mountedPaths();
    for (const path of [this.rootfs, this.mountDir]) {
      // Never delete through a live mount.
      if (mounted.has(path)) throw new WrennError("internal_error", `could not unmount ${path}`);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Every mount point on the host (decoded from /proc/self/mounts). */
export async function mountedPaths(): Promise<Set<string>> {
  const text = await readFile("/proc/self/mounts", "utf8");
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    const target = line.split(" ")[1];
    if (target) out.add(target.replace(/\\(\d{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8))));
  }
  return out;
}
