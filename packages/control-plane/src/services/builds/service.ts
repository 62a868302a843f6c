import { WrennError } from "@wrenn/core";
import { claimNextBuild, failInterruptedBuilds, finishBuild, findUsableTemplate, touchRunningBuilds, type Template, type TemplateBuild } from "@wrenn/db";
import type { FastifyBaseLogger } from "fastify";
import type { Deps } from "../../deps.js";
import { isBuiltinTemplate } from "../capsule-templates.js";
import { BuildEvents } from "./events.js";
import { runBuild, type RunOutcome } from "./runner.js";

const IDLE_POLL_MS = 2_000;
/** A runner says it is alive this often; builds of a runner silent for 4× this are failed. */
const RUNNER_TOUCH_MS = 10_000;
export const INTERRUPTED_MESSAGE = "interrupted: the control plane running it stopped; start the build again";

/**
 * The build queue of one control-plane replica: a loop that claims the oldest pending
 * build from the database (`SKIP LOCKED`, so replicas never take the same one) and runs
 * it, one at a time. Builds whose replica went silent (it died; its agent stream died with
 * it, which cancels the build on the agent) are marked failed, not re-run: a half-run
 * recipe may have had side effects elsewhere. A build cancelled through another replica
 * is noticed at the next sign of life and aborted here.
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
    let lastTouch = 0;
    while (!this.stopped) {
      if (Date.now() - lastTouch >= RUNNER_TOUCH_MS) {
        lastTouch = Date.now();
        await this.keepAlive(log);
      }
      let build: TemplateBuild | undefined;
      try {
        build = await claimNextBuild(this.deps.db, this.deps.replicaId);
        if (build) await this.runOne(build, log);
      } catch (err) {
        log.error({ err, buildId: build?.id }, "build worker iteration failed");
      }
      if (!build && !this.stopped) await this.idle();
    }
  }

  /** Signs of life for our builds, aborts those cancelled elsewhere, fails those of silent replicas. */
  private async keepAlive(log: FastifyBaseLogger): Promise<void> {
    try {
      const gone = await touchRunningBuilds(this.deps.db, this.deps.replicaId, [...this.running.keys()]);
      for (const id of gone) this.running.get(id)?.abort();
      const ids = await failInterruptedBuilds(this.deps.db, INTERRUPTED_MESSAGE, RUNNER_TOUCH_MS * 4);
      if (ids.length) log.warn({ builds: ids }, "builds of a control plane that went away were marked failed");
    } catch (err) {
      log.error({ err }, "could not check on running builds");
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
      const base = await resolveBuildBase(this.deps, build.team_id, build.base_template);
      const agent = await this.deps.fleet.place({
        teamId: build.team_id,
        vcpus: build.vcpus,
        memoryMb: build.memory_mb,
        diskMb: BUILD_DISK_MB,
        hostId: base.row?.host_id ?? null,
      });
      const touch = setInterval(() => void this.keepAlive(log), RUNNER_TOUCH_MS);
      try {
        outcome = await runBuild(this.deps, this.events, build, agent, base.agentName, controller.signal, log);
      } finally {
        clearInterval(touch);
      }
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

/** Disk for a build capsule (the agent's default writable layer). */
const BUILD_DISK_MB = 4096;

/** A build's base: a team's own template, a platform one (both live on one host), or a built-in. */
export async function resolveBuildBase(deps: Deps, teamId: string | null, name: string): Promise<{ agentName: string; row?: Template }> {
  const row = await findUsableTemplate(deps.db, teamId, name);
  if (row) return { agentName: row.agent_name, row };
  if (await isBuiltinTemplate(deps, name)) return { agentName: name };
  throw new WrennError("not_found", `base template "${name}" not found`);
}

const services = new WeakMap<Deps, BuildService>();

/** The one build service of a control plane (routes and server.ts share it through deps). */
export function buildServiceOf(deps: Deps): BuildService {
  let service = services.get(deps);
  if (!service) services.set(deps, (service = new BuildService(deps)));
  return service;
}
