/** POSIX path helpers for the capsule file browser (paths inside the capsule, always absolute). */

export const HOME = "/home/user";

export function normalizePath(path: string): string {
  const parts: string[] = [];
  for (const p of path.split("/")) {
    if (!p || p === ".") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  return `/${parts.join("/")}`;
}

export function joinPath(dir: string, name: string): string {
  return normalizePath(`${dir}/${name}`);
}

export function parentPath(path: string): string {
  return normalizePath(`${path}/..`);
}

export function baseName(path: string): string {
  const n = normalizePath(path);
  return n === "/" ? "/" : n.slice(n.lastIndexOf("/") + 1);
}

/** "/home/user/src" → [/, home, user, src] with the path of each crumb. */
export function breadcrumbs(path: string): { name: string; path: string }[] {
  const n = normalizePath(path);
  const out = [{ name: "/", path: "/" }];
  let acc = "";
  for (const part of n.split("/").filter(Boolean)) {
    acc += `/${part}`;
    out.push({ name: part, path: acc });
  }
  return out;
}

/** A name for a new file or folder: one path segment, no slashes, not "." or "..". */
export function validEntryName(name: string): string | null {
  const n = name.trim();
  if (!n) return "Enter a name.";
  if (n.includes("/")) return "A name cannot contain “/”.";
  if (n === "." || n === "..") return "That name is reserved.";
  if (n.length > 255) return "A name has at most 255 characters.";
  return null;
}
