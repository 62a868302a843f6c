import { posix } from "node:path";
import type { EnvdConnection } from "../envd/connection.js";
import { copyFromArchive } from "./copy.js";
import { runProcess, startProcess, type BackgroundProcess, type OutputSink } from "./process.js";
import { BuildFailure, copyWords, parseEnv, userName, type RecipeStep } from "./recipe.js";
import { expandVars, splitWords } from "./words.js";

/** envd's PATH when neither the template nor the recipe sets one (expansions see it too). */
const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The build's state as the steps change it. */
export interface StepContext {
  envd: EnvdConnection;
  archiveDir: string;
  /** ENV so far (the base template's, then the recipe's): every later step sees it. */
  env: Record<string, string>;
  /** Who steps run as: root until a USER step, as in a Dockerfile. */
  user: string;
  home: string;
  /** WORKDIR so far; undefined = the user's home. */
  cwd: string | undefined;
  /** The template's default user: the last USER, else the base template's. */
  finalUser: string;
  started: { step: RecipeStep; process: BackgroundProcess }[];
  signal: AbortSignal;
  log: (step: number, data: Uint8Array, stderr: boolean) => Promise<void>;
}

/** Runs one recipe step; throws BuildFailure (or an error the caller names the step in). */
export async function runStep(step: RecipeStep, ctx: StepContext): Promise<void> {
  const sink: OutputSink = (data, stderr) => ctx.log(step.number, data, stderr);
  const note = (text: string): Promise<void> => sink(Buffer.from(`${text}\n`), false);
  const vars = { PATH: DEFAULT_PATH, HOME: ctx.home, USER: ctx.user, ...ctx.env };
  const what = `step ${step.number} (${step.instruction} ${step.args.slice(0, 200)})`;
  switch (step.instruction) {
    case "RUN": {
      const result = await runProcess(ctx.envd, { script: step.args, user: ctx.user, cwd: ctx.cwd, envs: ctx.env }, step.timeoutSec, sink, ctx.signal);
      if (result.timedOut) throw new BuildFailure(step.number, `${what} timed out after ${step.timeoutSec} s\n${result.tail}`);
      if (result.exitCode !== 0) throw new BuildFailure(step.number, `${what} failed with exit code ${result.exitCode}\n${result.tail}`);
      return;
    }
    case "ENV":
      for (const [key, value] of parseEnv(step.args, vars)) {
        ctx.env[key] = value;
        await note(`${key}=${value}`);
      }
      return;
    case "WORKDIR": {
      const dir = posix.resolve(ctx.cwd ?? ctx.home, expandVars(splitWords(step.args)[0]!, vars));
      const script = 'if [ ! -d "$1" ]; then mkdir -p -- "$1" && chown -- "$2": "$1"; fi';
      await asRoot(ctx, step, script, [dir, ctx.user], sink);
      ctx.cwd = dir;
      await note(`working directory ${dir}`);
      return;
    }
    case "USER": {
      const name = userName(expandVars(step.args, vars));
      // Created with a home and passwordless sudo when missing; prints the home directory.
      const script = [
        'if ! id -u -- "$1" >/dev/null 2>&1; then',
        '  useradd --create-home --shell /bin/bash --user-group -- "$1" >&2',
        '  printf "%s ALL=(ALL:ALL) NOPASSWD: ALL\\n" "$1" > "/etc/sudoers.d/90-wrenn-$1" && chmod 0440 "/etc/sudoers.d/90-wrenn-$1"',
        '  echo "created user $1 with passwordless sudo" >&2',
        "fi",
        'getent passwd -- "$1" | cut -d: -f6',
      ].join("\n");
      const out = await asRoot(ctx, step, script, [name], sink);
      ctx.user = name;
      ctx.finalUser = name;
      ctx.home = out.split("\n").at(-1)?.trim() || `/home/${name}`;
      return;
    }
    case "COPY": {
      const words = copyWords(step.args, vars);
      const runAsUser = async (script: string, args: string[]): Promise<void> => {
        const r = await runProcess(ctx.envd, { script: "/bin/sh", args: ["-c", script, "sh", ...args], user: ctx.user, cwd: "/", envs: {} }, step.timeoutSec, sink, ctx.signal);
        if (r.exitCode !== 0) throw new BuildFailure(step.number, `${what} could not set modes or make directories (exit code ${r.exitCode})\n${r.tail}`);
      };
      const copied = await copyFromArchive(ctx.envd, ctx.archiveDir, words, { user: ctx.user, cwd: ctx.cwd ?? ctx.home }, runAsUser, ctx.signal);
      await note(`copied ${copied.files} file(s), ${copied.bytes} bytes, as ${ctx.user}`);
      return;
    }
    case "START": {
      const tag = `start-${step.number}`;
      const process = await startProcess(ctx.envd, { script: step.args, user: ctx.user, cwd: ctx.cwd, envs: ctx.env }, tag, sink, ctx.signal);
      ctx.started.push({ step, process });
      await note(`started pid ${process.pid} (tag ${tag})`);
      return;
    }
  }
}

/** A helper script as root (useradd, mkdir); its stdout, or BuildFailure with its output. */
async function asRoot(ctx: StepContext, step: RecipeStep, script: string, args: string[], sink: OutputSink): Promise<string> {
  let stdout = "";
  const capture: OutputSink = async (data, stderr) => {
    if (stderr) await sink(data, true);
    else stdout += Buffer.from(data).toString("utf8");
  };
  const r = await runProcess(ctx.envd, { script: "/bin/sh", args: ["-c", script, "sh", ...args], user: "root", cwd: "/", envs: {} }, step.timeoutSec, capture, ctx.signal);
  if (r.exitCode !== 0 || r.timedOut) {
    throw new BuildFailure(step.number, `step ${step.number} (${step.instruction} ${step.args.slice(0, 200)}) failed with exit code ${r.exitCode}\n${r.tail}`);
  }
  return stdout.trimEnd();
}
