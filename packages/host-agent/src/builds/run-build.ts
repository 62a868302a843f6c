import { access, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { TemplateRecord } from "../capsules/types.js";
import type { Logger } from "../capsules/internals.js";
import { ArchiveError, extractArchive } from "./archive.js";
import { CopyError } from "./copy.js";
import { BuildFailure, copyWords, type Recipe, type RecipeStep } from "./recipe.js";
import { runStep, type StepContext } from "./steps.js";
import { runProcess } from "./process.js";
import type { BuildEvent, BuildHost } from "./types.js";
import { WordsError } from "./words.js";

export interface BuildOptions {
  host: BuildHost;
  /** Scratch space for unpacked archives (on the agent's disk, not /tmp). */
  workDir: string;
  log: Logger;
}

/**
 * Runs one recipe: checks, unpacks the archive, starts a build capsule from the base
 * template, runs the steps and the healthcheck in it, and publishes it as the template
 * (a snapshot when something must keep running, else an image). The build capsule is
 * destroyed at the end whatever happens. Throws BuildFailure naming the step at fault;
 * an abort (the caller canceled) ends it with the abort reason and no template.
 */
export async function runBuild(recipe: Recipe, options: BuildOptions, emit: (event: BuildEvent) => Promise<void>, signal: AbortSignal): Promise<TemplateRecord> {
  const { host } = options;
  const say = (text: string): Promise<void> => emit({ type: "log", step: 0, data: Buffer.from(`${text}\n`), stderr: false });
  if (host.isBuiltinTemplate(recipe.name)) throw new BuildFailure(0, `"${recipe.name}" is a built-in template; choose another name for the build`);
  const baseKind = await host.templateKind(recipe.baseTemplate);
  if (!baseKind) throw new BuildFailure(0, `base_template "${recipe.baseTemplate}" does not exist on this host`);
  const base = await host.templateDefaults(recipe.baseTemplate);

  const scratch = await mkdtemp(join(options.workDir, "build-"));
  let capsuleId: string | undefined;
  try {
    const archiveDir = join(scratch, "archive");
    if (recipe.archive) {
      try {
        await extractArchive(recipe.archive.bytes, recipe.archive.format, archiveDir);
      } catch (err) {
        if (err instanceof ArchiveError) throw new BuildFailure(0, `the build archive was refused: ${err.message}`);
        throw err;
      }
      await checkCopySources(recipe.steps, archiveDir);
    }
    signal.throwIfAborted();
    await say(`starting a build capsule from "${recipe.baseTemplate}"`);
    capsuleId = await host.startBuildCapsule(recipe.baseTemplate, recipe.vcpus, recipe.memoryMb, signal);
    const ctx: StepContext = {
      envd: host.ownEnvd(capsuleId),
      archiveDir,
      env: { ...base.envs },
      user: "root",
      home: "/root",
      cwd: base.workdir || undefined,
      finalUser: base.user,
      started: [],
      signal,
      log: (step, data, stderr) => emit({ type: "log", step, data, stderr }),
    };
    for (const step of recipe.steps) {
      await emit({ type: "step", index: step.number, instruction: step.instruction, args: step.args });
      try {
        await runStep(step, ctx);
      } catch (err) {
        throw asFailure(err, step, signal);
      }
      checkStarted(ctx);
    }
    if (recipe.healthcheck) {
      const number = recipe.steps.length + 1;
      await emit({ type: "step", index: number, instruction: "HEALTHCHECK", args: recipe.healthcheck.cmd });
      await healthcheck(recipe, ctx, number);
    }
    checkStarted(ctx);
    for (const started of ctx.started) started.process.detach();
    const kind = ctx.started.length > 0 || recipe.healthcheck || baseKind === "snapshot" ? "snapshot" : "image";
    signal.throwIfAborted();
    await say(kind === "snapshot" ? "snapshotting the capsule with its processes running" : "saving the capsule's files as an image template");
    const defaults = { envs: ctx.env, user: ctx.finalUser, workdir: ctx.cwd ?? "" };
    const template = await host.publishBuild(capsuleId, recipe.name, kind, defaults);
    if (signal.aborted) {
      // Canceled while saving (saving itself cannot be interrupted): nothing may remain.
      await host.deleteSnapshot(recipe.name).catch((err: Error) => options.log.warn("could not remove the template of a canceled build", { name: recipe.name, error: err.message }));
      signal.throwIfAborted();
    }
    await say(`template "${recipe.name}" ready (${kind}, ${Math.round(template.sizeBytes / 1048576)} MiB)`);
    return template;
  } finally {
    if (capsuleId) await host.destroyOwn(capsuleId).catch((err: Error) => options.log.warn("could not destroy a build capsule", { capsuleId, error: err.message }));
    await rm(scratch, { recursive: true, force: true });
  }
}

function asFailure(err: unknown, step: RecipeStep, signal: AbortSignal): unknown {
  if (signal.aborted || err instanceof BuildFailure) return err;
  const what = `step ${step.number} (${step.instruction} ${step.args.slice(0, 200)})`;
  if (err instanceof CopyError || err instanceof WordsError) return new BuildFailure(step.number, `${what}: ${err.message}`);
  return new BuildFailure(step.number, `${what} failed: ${(err as Error).message}`);
}

/** Each START process must still run; one that ended fails the build at its own step. */
function checkStarted(ctx: StepContext): void {
  for (const { step, process } of ctx.started) {
    if (process.exit) {
      throw new BuildFailure(
        step.number,
        `step ${step.number} (START ${step.args.slice(0, 200)}): the process exited with code ${process.exit.code}; a START process must keep running\n${process.exit.tail}`,
      );
    }
  }
}

/** Runs the healthcheck until it passes; failures in the start period do not count. */
async function healthcheck(recipe: Recipe, ctx: StepContext, number: number): Promise<void> {
  const hc = recipe.healthcheck!;
  const began = Date.now();
  let failures = 0;
  for (let attempt = 1; ; attempt++) {
    const result = await runProcess(ctx.envd, { script: hc.cmd, user: ctx.user, cwd: ctx.cwd, envs: ctx.env }, hc.timeoutSec, undefined, ctx.signal);
    if (result.exitCode === 0 && !result.timedOut) {
      await ctx.log(number, Buffer.from(`healthcheck passed (attempt ${attempt})\n`), false);
      return;
    }
    checkStarted(ctx);
    const outcome = result.timedOut ? `timed out after ${hc.timeoutSec} s` : `exit code ${result.exitCode}`;
    if (Date.now() - began >= hc.startPeriodSec * 1000) failures++;
    await ctx.log(number, Buffer.from(`healthcheck attempt ${attempt}: ${outcome}\n`), true);
    if (failures >= hc.retries) {
      throw new BuildFailure(number, `step ${number} (HEALTHCHECK ${hc.cmd.slice(0, 200)}) did not pass in ${attempt} attempts; last: ${outcome}\n${result.tail}`);
    }
    await sleep(hc.intervalSec * 1000, undefined, { signal: ctx.signal });
  }
}

/** COPY sources that name archive paths outright must exist before any capsule starts. */
async function checkCopySources(steps: RecipeStep[], archiveDir: string): Promise<void> {
  for (const step of steps) {
    if (step.instruction !== "COPY" || step.args.includes("$")) continue;
    for (const source of copyWords(step.args, {}).slice(0, -1)) {
      if (/[*?[]/.test(source) || source.includes("..")) continue;
      const rel = source.replace(/^\/+/, "");
      if (!(await access(join(archiveDir, rel)).then(() => true, () => false))) {
        throw new BuildFailure(step.number, `step ${step.number} (COPY ${step.args.slice(0, 200)}): "${source}" is not in the archive`);
      }
    }
  }
}
