import type { ImageRecipe } from "./recipes.js";
import type { BuildLog } from "./build-log.js";
import { runLogged } from "./build-command.js";

export interface DebootstrapStep {
  message: string;
  /** Progress of the whole debootstrap run, 0–100, once it can be estimated. */
  pct?: number;
}

/**
 * Turns debootstrap's `I:` lines into progress. debootstrap never says up front how many
 * packages it will fetch, so the retrieval phase has no percentage; once it ends, the
 * number of packages retrieved scales the extract, unpack and configure phases.
 */
export function debootstrapProgress(): (line: string) => DebootstrapStep | undefined {
  let retrieved = 0;
  let extracted = 0;
  let unpacked = 0;
  let configured = 0;
  let pct = 0;
  const at = (value: number): number => (pct = Math.min(99, Math.max(pct, Math.round(value))));
  const total = (): number => Math.max(retrieved, 1);
  return (line) => {
    const m = /^I: (.*?)\.*\s*$/.exec(line);
    if (!m) return undefined;
    const text = m[1]!;
    const pkg = /^(Retrieving|Extracting|Unpacking|Configuring) (\S+)(?: (\S+))?$/.exec(text);
    if (pkg) {
      const [, verb, name, version] = pkg;
      // "Retrieving Packages"/"Retrieving InRelease" are index files, not packages.
      if (verb === "Retrieving" && version !== undefined) {
        retrieved++;
        return { message: `retrieving ${name} (${retrieved} packages so far)` };
      }
      if (verb === "Extracting") return { message: `extracting ${name}`, pct: at(35 + (15 * ++extracted) / total()) };
      if (verb === "Unpacking" && version === undefined) return { message: `unpacking ${name}`, pct: at(52 + (20 * ++unpacked) / total()) };
      if (verb === "Configuring" && version === undefined) return { message: `configuring ${name}`, pct: at(72 + (27 * ++configured) / total()) };
    }
    if (text.startsWith("Resolving dependencies of required")) return { message: "resolving dependencies", pct: at(3) };
    if (text.startsWith("Resolving dependencies of base")) return { message: "resolving dependencies", pct: at(8) };
    if (text.startsWith("Checking component")) return { message: "retrieving packages", pct: at(12) };
    if (text.startsWith("Installing core packages")) return { message: "installing core packages", pct: at(50) };
    if (text.startsWith("Base system installed successfully")) return { message: "base system installed", pct: (pct = 100) };
    return { message: text.charAt(0).toLowerCase() + text.slice(1) };
  };
}

export interface DebootstrapOptions {
  recipe: ImageRecipe;
  target: string;
  mirror: string;
  log: BuildLog;
  signal: AbortSignal;
  onStep: (step: DebootstrapStep) => void;
}

/** `debootstrap --variant=<variant> --include=<packages> <suite> <target> <mirror>`. */
export async function debootstrap(o: DebootstrapOptions): Promise<void> {
  const parse = debootstrapProgress();
  const args = [`--variant=${o.recipe.variant}`, `--include=${o.recipe.packages.join(",")}`, o.recipe.suite, o.target, o.mirror];
  o.log.step(`debootstrap ${args.join(" ")}`);
  await runLogged({
    cmd: "debootstrap",
    args,
    log: o.log,
    signal: o.signal,
    env: { ...process.env, PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C" },
    onLine: (line) => {
      const step = parse(line);
      if (step) o.onStep(step);
    },
  });
}
