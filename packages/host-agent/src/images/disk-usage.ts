import { runLogged } from "./build-command.js";

/** Bytes `dir` occupies on disk (`du`: allocated blocks, hard links counted once). */
export async function diskUsage(dir: string, signal?: AbortSignal): Promise<number> {
  let out = "";
  await runLogged({ cmd: "du", args: ["--summarize", "--one-file-system", "--block-size=1", dir], isolate: false, signal, onLine: (l) => (out ||= l) });
  const bytes = Number.parseInt(out, 10);
  if (!Number.isFinite(bytes)) throw new Error(`du ${dir} printed "${out}"`);
  return bytes;
}
