import { WrennError, newId } from "@wrenn/core";
import { appendBuildLogs, finishBuild, insertAudit, setBuildStep, type TemplateBuild, type TemplateBuildSummary } from "@wrenn/db";
import { TemplateKind, type TemplateInfo } from "@wrenn/proto/hostagent/v1";
import type { FastifyBaseLogger } from "fastify";
import type { AgentHandle } from "../../agent/client.js";
import type { Deps } from "../../deps.js";
import { isAgentNotFound } from "../capsule-agent-sync.js";
import type { BuildEvent, BuildEvents } from "./events.js";
import { stepLine } from "./recipe.js";

/** Logs are written to the row at most this often (and at every step and the end). */
const LOG_FLUSH_MS = 250;

/** Batches log text for the build's row; writes are serialized. */
class LogWriter {
  private pending = "";
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: Deps,
    private readonly buildId: string,
  ) {}

  add(text: string): void {
    this.pending += text;
    this.timer ??= setTimeout(() => void this.flush(), LOG_FLUSH_MS);
  }

  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const text = this.pending;
    this.pending = "";
    this.chain = this.chain.then(() => appendBuildLogs(this.deps.db, this.buildId, text)).catch(() => {});
    return this.chain;
  }
}

export interface RunOutcome {
  status: "success" | "failed" | "cancelled";
  error?: string;
  template?: string;
}

/**
 * Runs one claimed build on the agent, recording steps and logs as they come, and on
 * success points the team's template of that name at the new agent template.
 */
export async function runBuild(
  deps: Deps,
  events: BuildEvents,
  build: TemplateBuild,
  agent: AgentHandle,
  agentBase: string,
  signal: AbortSignal,
  log: FastifyBaseLogger,
): Promise<RunOutcome> {
  const agentName = newId("template");
  const logs = new LogWriter(deps, build.id);
  const emit = (event: BuildEvent): void => events.publish(build.id, event);
  const total = build.recipe.length;
  const say = (text: string): void => {
    logs.add(text);
    emit({ type: "log", step: 0, data: text, stream: "stdout" });
  };
  let outcome: RunOutcome = { status: "failed", error: "the host agent ended the build without a result" };
  try {
    say(`==> building "${build.name}" from "${build.base_template}" (${total} steps)\n`);
    say(`==> on host ${agent.hostId}\n`);
    const stream = agent.client.buildTemplate(
      {
        buildId: build.id,
        name: agentName,
        baseTemplate: agentBase,
        steps: build.recipe.map((s) => ({ instruction: s.instruction, args: s.args, timeoutSec: s.timeout_sec })),
        ...(build.healthcheck
          ? {
              healthcheck: {
                cmd: build.healthcheck.cmd,
                intervalSec: build.healthcheck.interval_sec,
                timeoutSec: build.healthcheck.timeout_sec,
                startPeriodSec: build.healthcheck.start_period_sec,
                retries: build.healthcheck.retries,
              },
            }
          : {}),
        vcpus: build.vcpus,
        memoryMb: build.memory_mb,
        archive: build.archive ?? new Uint8Array(),
        archiveFormat: build.archive_format,
      },
      { signal },
    );
    for await (const res of stream) {
      const event = res.event;
      if (event.case === "step") {
        const { index, instruction, args } = event.value;
        await logs.flush();
        await setBuildStep(deps.db, build.id, index);
        const header = `==> step ${index}/${total + (build.healthcheck ? 1 : 0)}: ${index <= total && build.recipe[index - 1] ? stepLine(build.recipe[index - 1]!) : `${instruction} ${args}`}\n`;
        logs.add(header);
        emit({ type: "step", index, instruction, args });
      } else if (event.case === "log") {
        const data = Buffer.from(event.value.data).toString("utf8");
        logs.add(data);
        emit({ type: "log", step: event.value.step, data, stream: event.value.stderr ? "stderr" : "stdout" });
      } else if (event.case === "finished") {
        const f = event.value;
        outcome = f.ok && f.template ? await install(deps, build, agent.hostId, agentName, f.template, log) : { status: "failed", error: f.error || "the build failed" };
      }
    }
  } catch (err) {
    if (signal.aborted) outcome = { status: "cancelled", error: "cancelled" };
    else outcome = { status: "failed", error: `the build could not run on the host agent: ${(err as Error).message}` };
  }
  if (outcome.status === "failed") say(`==> build failed: ${outcome.error}\n`);
  await logs.flush();
  return outcome;
}

/**
 * Replaces the team's template row in one transaction that also marks the build done;
 * the previous agent template goes only after the new one is in place. A build cancelled
 * at the last moment leaves no row and its agent template is removed.
 */
async function install(deps: Deps, build: TemplateBuild, hostId: string, agentName: string, info: TemplateInfo, log: FastifyBaseLogger): Promise<RunOutcome> {
  const kind = info.kind === TemplateKind.SNAPSHOT ? "snapshot" : "image";
  const previous = await deps.db.transaction().execute(async (trx) => {
    const done = await finishBuild(trx, build.id, ["running"], { status: "success", templateId: agentName });
    if (!done) return undefined;
    let old = trx.selectFrom("templates").selectAll().where("name", "=", build.name);
    old = build.team_id === null ? old.where("team_id", "is", null) : old.where("team_id", "=", build.team_id);
    const existing = await old.executeTakeFirst();
    if (existing) await trx.deleteFrom("templates").where("id", "=", existing.id).execute();
    await trx
      .insertInto("templates")
      .values({
        id: agentName,
        name: build.name,
        team_id: build.team_id,
        kind,
        agent_name: agentName,
        base_template: info.baseTemplate || build.base_template,
        vcpus: info.vcpus || build.vcpus,
        memory_mb: info.memoryMb || build.memory_mb,
        size_bytes: Number(info.sizeBytes),
        host_id: hostId,
        created_by: build.created_by,
      })
      .execute();
    return { existing: existing ?? null };
  });
  if (!previous) {
    await removeAgentTemplate(deps, hostId, agentName, log);
    return { status: "cancelled", error: "cancelled" };
  }
  if (previous.existing) await removeAgentTemplate(deps, previous.existing.host_id, previous.existing.agent_name, log);
  await insertAudit(deps.db, {
    teamId: build.team_id,
    actorType: "system",
    actorId: null,
    action: "template.build",
    resourceType: "template",
    resourceId: agentName,
    metadata: { name: build.name, build_id: build.id, kind, replaced: previous.existing?.id ?? null, created_by: build.created_by },
  });
  return { status: "success", template: build.name };
}

export async function removeAgentTemplate(deps: Deps, hostId: string | null, agentName: string, log: FastifyBaseLogger): Promise<void> {
  try {
    await (await deps.fleet.agentFor(hostId)).client.deleteSnapshot({ name: agentName });
  } catch (err) {
    if (!isAgentNotFound(err) && !WrennError.is(err, "host_unavailable")) log.warn({ err, agentName }, "could not delete a replaced template from its host; its files stay until removed by hand");
  }
}

export type { TemplateBuildSummary };
