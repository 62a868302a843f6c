import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { IMAGE_BUILDER_VERSION, recipeFor } from "./recipes.js";
import { DEFAULT_USER, OPT_MOUNT_POINT, SYSTEM_FILES } from "./configure.js";

/**
 * The content hash of a built-in template: everything that decides what the builder puts
 * in the image (recipe, the base image's hash, system files, default user, builder
 * version), but not the mirror it downloads from. Pure: no image needs to exist.
 */
export function imageContentHash(name: string): string {
  const recipe = recipeFor(name);
  const input = {
    builder: IMAGE_BUILDER_VERSION,
    name: recipe.name,
    suite: recipe.suite,
    variant: recipe.variant,
    base: recipe.base === undefined ? null : imageContentHash(recipe.base),
    packages: [...recipe.packages].sort(),
    // Derived images inherit these from their base, whose hash already covers them.
    system: recipe.base === undefined ? { files: SYSTEM_FILES, user: DEFAULT_USER, optMountPoint: OPT_MOUNT_POINT } : null,
  };
  return `sha256:${createHash("sha256").update(JSON.stringify(input)).digest("hex")}`;
}

/** One file of a hashed tree: its path in the tree, its mode, and where to read it. */
export interface HashedFile {
  rel: string;
  mode: number;
  source: string;
}

/**
 * sha256 over a manifest of files in path order (path, mode, sha256 of the contents), so a
 * renamed or re-permissioned file changes the hash as much as an edited one.
 */
export async function hashFiles(files: HashedFile[], prefix = ""): Promise<string> {
  const sorted = [...files].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const lines = [prefix];
  for (const file of sorted) lines.push(`${file.rel}\t${(file.mode & 0o7777).toString(8)}\t${await fileSha256(file.source)}`);
  return createHash("sha256").update(lines.join("\n")).digest("hex");
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
