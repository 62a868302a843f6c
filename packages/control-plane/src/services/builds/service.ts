import { WrennError } from "@wrenn/core";
import { claimNextBuild, failInterruptedBuilds, finishBuild, findPlatformTemplate, findTeamTemplate, type TemplateBuild } from "@wrenn/db";
import type { FastifyBaseLogger } from "fastify";
import type { Deps } from "../../deps.js";
import { isBuiltinTemplate } from "../capsule-templates.js";
import { BuildEvents } from "./events.js";
import { runBuild, type RunOutcome } from "./runner.js";

const IDLE_POLL_MS = 2_000;
export const INTERRUPTED_MESSAGE = "interrupted by a control plane restart; start the build again";

/**
 * The build queue of one control plane: a loop that claims the oldest pending build from
 * the database and runs it, one at a time. Builds left `running` by a previous process are
 * marked failed at start (their agent stream died with that process, which cancels the
 * build on the agent), not re-run: a half-run recipe may have had side effects elsewhere.
 */
export class BuildService {
  readonly events = new BuildEvents();
  private readonly running = new Map<string, AbortController>();
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly deps: Deps) {}

  start(log: FastifyBaseLogger): void {
    if (this.loop) return;
    this.loop = this.work(log);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const controller of this.running.values()) controller.abort();
    this.wake();
    await this.loop;
  }

  wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  /** Aborts a build this process is running; false when it is not running here. */
  abort(buildId: string): boolean {
    const controller = this.running.get(buildId);
    controller?.abort();
    return controller !== undefined;
  }

  private async work(log: FastifyBaseLogger): Promise<void> {
    try {
      const ids = await failInterruptedBuilds(this.deps.db, INTERRUPTED_MESSAGE);
      if (ids.length) log.warn({ builds: ids }, "builds interrupted by a restart were marked failed");
    } catch (err) {
      log.error({ err }, "could not clean up interrupted builds");
    }
    while (!this.stopped) {
      let build: TemplateBuild | undefined;
      try {
        build = await claimNextBuild(this.deps.db);
        if (build) await this.runOne(build, log);
      } catch (err) {
        log.error({ err, buildId: build?.id }, "build worker iteration failed");
      }
      if (!build && !this.stopped) await this.idle();
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, IDLE_POLL_MS);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async runOne(build: TemplateBuild, log: FastifyBaseLogger): Promise<void> {
    const controller = new AbortController();
    this.running.set(build.id, controller);
    this.events.begin(build.id);
    let outcome: RunOutcome;
    try {
      const base = await agentBaseName(this.deps, build.team_id, build.base_template);
      outcome = await runBuild(this.deps, this.events, build, base, controller.signal, log);
    } catch (err) {
      outcome = { status: "failed", error: err instanceof WrennError ? err.message : `the build failed: ${(err as Error).message}` };
    } finally {
      this.running.delete(build.id);
    }
    if (outcome.status !== "success") {
      const done = await finishBuild(this.deps.db, build.id, ["running"], { status: outcome.status, error: outcome.error ?? null });
      // Cancelled from the API: the route already recorded and announced it.
      if (!done) return;
    }
    this.events.publish(build.id, { type: "finished", status: outcome.status, ...(outcome.error ? { error: outcome.error } : {}), ...(outcome.template ? { template: outcome.template } : {}) });
  }
}

/** What the agent knows a base template by: a team's own, a platform one, or a built-in. */
export async function agentBaseName(deps: Deps, teamId: string | null, name: string): Promise<string> {
  const row = (teamId === null ? undefined : await findTeamTemplate(deps.db, teamId, name)) ?? (await findPlatformTemplate(deps.db, name));
  if (row) return row.agent_name;
  if (await isBuiltinTemplate(deps, name)) return name;
  throw new WrennError("not_found", `base template "${name}" not found`);
}

const services = new WeakMap<Deps, BuildService>();

/** The one build service of a control plane (routes and server.ts share it through deps). */
export function buildServiceOf(deps: Deps): BuildService {
  let service = services.get(deps);
  if (!service) services.set(deps, (service = new BuildService(deps)));
  return service;
}
