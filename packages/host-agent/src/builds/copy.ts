import { readdir, realpath, stat } from "node:fs/promises";
import { createReadStream } from "node:fs";
import { join, posix, sep } from "node:path";
import type { EnvdConnection } from "../envd/connection.js";
import { uploadFile } from "../envd/files.js";
import { memberPath } from "./archive.js";

/** One file or empty directory to create in the capsule. */
interface Placement {
  /** Host path (inside the unpacked archive); undefined for an empty directory. */
  from: string | undefined;
  to: string;
  mode: number;
}

export class CopyError extends Error {}

/** Files uploaded at once over the capsule's one HTTP/2 connection. */
const PARALLEL_UPLOADS = 4;

/**
 * COPY <src>… <dst> with Dockerfile semantics, from the unpacked archive at `root` into
 * the capsule through envd's file API, as `user` (who then owns what it creates):
 * - sources are paths inside the archive (a leading "/" or "./" means its root), and may
 *   use * ? [..] in their last part; a directory source copies its contents;
 * - `dst` is a directory when it ends in "/" or there are several sources or a directory
 *   source, else the file's new name; a relative `dst` is relative to `cwd`;
 * - links are followed, but only to places inside the archive; file modes are kept.
 */
export async function copyFromArchive(
  envd: EnvdConnection,
  root: string,
  words: string[],
  target: { user: string; cwd: string },
  runAsUser: (script: string, args: string[]) => Promise<void>,
  signal: AbortSignal,
): Promise<{ files: number; bytes: number }> {
  const sources = words.slice(0, -1);
  const rawDst = words.at(-1)!;
  const dst = posix.resolve(target.cwd, rawDst);
  const realRoot = await realpath(root);
  const matched: string[] = [];
  for (const source of sources) matched.push(...(await resolveSource(root, source)));
  const intoDir = rawDst.endsWith("/") || matched.length > 1 || (await Promise.all(matched.map(isDir))).some(Boolean);
  const placements: Placement[] = [];
  for (const from of matched) {
    const real = await inside(realRoot, from);
    if ((await stat(real)).isDirectory()) await walk(realRoot, real, dst, placements, new Set());
    else placements.push({ from: real, to: intoDir ? posix.join(dst, posix.basename(from)) : dst, mode: (await stat(real)).mode & 0o777 });
  }
  let bytes = 0;
  const files = placements.filter((p) => p.from !== undefined);
  for (let i = 0; i < files.length; i += PARALLEL_UPLOADS) {
    signal.throwIfAborted();
    await Promise.all(
      files.slice(i, i + PARALLEL_UPLOADS).map(async (p) => {
        bytes += (await stat(p.from!)).size;
        await uploadFile(envd, p.to, target.user, createReadStream(p.from!), signal);
      }),
    );
  }
  // Empty directories and modes other than an upload's 0644, in few processes.
  const fixes: string[] = [];
  for (const p of placements) {
    if (p.from === undefined) fixes.push("d", p.to);
    else if (p.mode !== 0o644) fixes.push(p.mode.toString(8), p.to);
  }
  const script = 'while [ $# -gt 0 ]; do if [ "$1" = d ]; then mkdir -p -- "$2"; else chmod "$1" -- "$2"; fi; shift 2; done';
  for (let i = 0; i < fixes.length; i += 400) await runAsUser(script, fixes.slice(i, i + 400));
  return { files: files.length, bytes };
}

/** The archive paths a COPY source names; a CopyError when it names nothing. */
async function resolveSource(root: string, source: string): Promise<string[]> {
  let rel: string;
  try {
    rel = memberPath(source.replace(/^\/+/, ""));
  } catch (err) {
    throw new CopyError(`source "${source}": ${(err as Error).message}`);
  }
  const parts = rel === "" ? [] : rel.split("/");
  const last = parts.pop();
  if (last === undefined || !/[*?[]/.test(last)) {
    const path = join(root, rel);
    if (!(await stat(path).catch(() => undefined))) throw new CopyError(`"${source}" is not in the archive`);
    return [path];
  }
  if (parts.some((p) => /[*?[]/.test(p))) throw new CopyError(`source "${source}": wildcards are supported in the last part of a path only`);
  const dir = join(root, ...parts);
  const pattern = globRegExp(last);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => pattern.test(n)).sort();
  if (names.length === 0) throw new CopyError(`"${source}" matches nothing in the archive`);
  return names.map((n) => join(dir, n));
}

function globRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const close = glob.indexOf("]", i + 1);
      if (close < 0) re += "\\[";
      else {
        re += `[${glob.slice(i + 1, close).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** The real path of `path`, which must stay inside the archive (links are followed). */
async function inside(realRoot: string, path: string): Promise<string> {
  const real = await realpath(path);
  if (real !== realRoot && !real.startsWith(realRoot + sep)) throw new CopyError(`"${path.slice(realRoot.length + 1)}" leads outside the archive`);
  return real;
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** Everything under `dir` into `dst`, following links that stay inside the archive. */
async function walk(realRoot: string, dir: string, dst: string, out: Placement[], seen: Set<string>): Promise<void> {
  if (seen.has(dir)) throw new CopyError(`"${dir.slice(realRoot.length + 1)}" is reached through a link cycle`);
  seen.add(dir);
  const names = (await readdir(dir)).sort();
  if (names.length === 0) out.push({ from: undefined, to: dst, mode: 0o755 });
  for (const name of names) {
    const real = await inside(realRoot, join(dir, name));
    const info = await stat(real);
    if (info.isDirectory()) await walk(realRoot, real, posix.join(dst, name), out, seen);
    else if (info.isFile()) out.push({ from: real, to: posix.join(dst, name), mode: info.mode & 0o777 });
  }
  seen.delete(dir);
}
