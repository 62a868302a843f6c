import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../capsules/internals.js";
import type { TemplateRecord } from "../capsules/types.js";
import { EventQueue } from "./event-queue.js";
import { BuildFailure, parseRecipe, type BuildRequest } from "./recipe.js";
import { runBuild } from "./run-build.js";
import type { BuildEvent, BuildHost } from "./types.js";

/** A keepalive when a build is quiet this long (proxies drop idle streams). */
const KEEPALIVE_MS = 15_000;

/**
 * Template builds on this host (BuildTemplate). Each build is a stream of events that
 * ends with `finished`; a build whose caller goes away is aborted (its capsule is
 * destroyed and no template is left). Builds of different templates run in parallel.
 */
export class TemplateBuilder {
  private readonly running = new Set<{ abort: AbortController; done: Promise<void> }>();
  private readonly workDir: string;
  private stopped = false;

  constructor(
    private readonly host: BuildHost,
    private readonly options: { wrennDir: string; log: Logger },
  ) {
    this.workDir = join(options.wrennDir, "builds");
  }

  /** Removes scratch directories of builds a previous agent did not finish. */
  async start(): Promise<void> {
    await mkdir(this.workDir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(this.workDir)) await rm(join(this.workDir, name), { recursive: true, force: true });
  }

  /** Runs a build; iterate the result to drive it. Leaving the iteration early cancels it. */
  async *build(request: BuildRequest, signal: AbortSignal): AsyncGenerator<BuildEvent> {
    const began = Date.now();
    const finished = (ok: boolean, error: string, failedStep: number, template?: TemplateRecord): BuildEvent => ({
      type: "finished",
      ok,
      error,
      failedStep,
      durationMs: Date.now() - began,
      template,
    });
    let recipe;
    try {
      if (this.stopped) throw new BuildFailure(0, "the agent is shutting down; retry the build on another host");
      recipe = parseRecipe(request);
    } catch (err) {
      const failure = err instanceof BuildFailure ? err : new BuildFailure(0, (err as Error).message);
      yield finished(false, failure.message, failure.step);
      return;
    }
    const queue = new EventQueue<BuildEvent>();
    const abort = new AbortController();
    const onAbort = (): void => abort.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    let last = Date.now();
    const emit = async (event: BuildEvent): Promise<void> => {
      last = Date.now();
      await queue.push(event);
    };
    const keepalive = setInterval(() => {
      if (Date.now() - last >= KEEPALIVE_MS) void emit({ type: "keepalive" }).catch(() => {});
    }, KEEPALIVE_MS / 3);
    const log = this.options.log;
    log.info("template build started", { buildId: recipe.buildId, name: recipe.name, base: recipe.baseTemplate, steps: recipe.steps.length });
    const done = (async () => {
      try {
        const template = await runBuild(recipe, { host: this.host, workDir: this.workDir, log }, emit, abort.signal);
        log.info("template build finished", { buildId: recipe.buildId, name: recipe.name, kind: template.kind, ms: Date.now() - began });
        await queue.push(finished(true, "", 0, template));
      } catch (err) {
        if (abort.signal.aborted && !this.stopped) {
          log.info("template build canceled", { buildId: recipe.buildId, name: recipe.name });
        } else {
          const failure =
            err instanceof BuildFailure ? err : new BuildFailure(0, this.stopped ? "the agent shut down during the build; run it again" : `the build failed: ${(err as Error).message}`);
          log.warn("template build failed", { buildId: recipe.buildId, name: recipe.name, step: failure.step, error: failure.message.split("\n")[0] });
          await queue.push(finished(false, failure.message, failure.step)).catch(() => {});
        }
      } finally {
        clearInterval(keepalive);
        queue.close();
      }
    })();
    const handle = { abort, done };
    this.running.add(handle);
    try {
      yield* queue;
    } finally {
      // The caller left before `finished` (canceled): stop the build and wait for its cleanup.
      abort.abort(new Error("the build was canceled"));
      signal.removeEventListener("abort", onAbort);
      await done;
      this.running.delete(handle);
    }
  }

  /** Cancels every build and waits until their capsules are gone (agent shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.running];
    for (const build of all) build.abort.abort(new Error("the agent is shutting down"));
    await Promise.all(all.map((b) => b.done));
  }
}
