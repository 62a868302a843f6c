import { readFile, rm } from "node:fs/promises";
import { runLogged } from "./build-command.js";

/** Mount points at or below `dir`, deepest first (from /proc/self/mountinfo). */
export async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile("/proc/self/mountinfo", "utf8");
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  const points = info
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((p): p is string => p !== undefined)
    .map(unescapeMountPath)
    .filter((p) => p === dir || p.startsWith(prefix));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/**
 * Removes a build or image directory. Builds run in private mount namespaces, so nothing
 * should be mounted inside; but a recursive delete that walks into a bind mount of /dev or
 * /proc would damage the host, so anything still mounted is detached first and the delete
 * is refused if that fails.
 */
export async function removeTree(dir: string): Promise<void> {
  for (const point of await mountsUnder(dir)) {
    await runLogged({ cmd: "umount", args: ["--lazy", point], isolate: false }).catch(() => {});
  }
  const left = await mountsUnder(dir);
  if (left.length > 0) throw new Error(`refusing to remove ${dir}: still mounted: ${left.join(", ")}`);
  await rm(dir, { recursive: true, force: true, maxRetries: 2 });
}

function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}
