import type { FastifyRequest } from "fastify";
import type WebSocket from "ws";
import type { AuthContext } from "../../auth/context.js";
import type { Deps } from "../../deps.js";
import { authenticateSocket } from "../../ws/auth.js";
import { DEFAULT_PING_INTERVAL_MS, WsChannel } from "../../ws/channel.js";
import { loadBuild } from "./cancel.js";
import type { BuildEvent } from "./events.js";
import { buildServiceOf } from "./service.js";

/**
 * The logs WebSocket of one build. The subscription is taken before the row is read, so
 * nothing falls between the stored logs and the live events: a build running in this
 * process replays its in-memory history; a finished one sends its stored logs; a pending
 * one waits for its events from the first.
 */
export function streamBuildLogs(deps: Deps, socket: WebSocket, request: FastifyRequest, scopeOf: (auth: AuthContext) => string | null): void {
  const channel = new WsChannel(socket, { log: request.log, pingIntervalMs: DEFAULT_PING_INTERVAL_MS });
  const { id } = request.params as { id: string };
  void (async () => {
    let unsubscribe = (): void => {};
    try {
      const auth = await authenticateSocket(deps, request, channel);
      if (!auth) return;
      const teamId = scopeOf(auth);
      await loadBuild(deps, teamId, id);
      const queue: BuildEvent[] = [];
      let wake: (() => void) | undefined;
      const sub = buildServiceOf(deps).events.subscribe(id, (event) => {
        queue.push(event);
        wake?.();
      });
      unsubscribe = sub.unsubscribe;
      const row = await loadBuild(deps, teamId, id);
      if (sub.history) {
        queue.unshift(...sub.history);
      } else if (row.status !== "pending" && row.status !== "running") {
        if (row.logs) await channel.send({ type: "log", step: 0, data: row.logs, stream: "stdout" });
        await channel.send({ type: "finished", status: row.status, ...(row.error ? { error: row.error } : {}), ...(row.status === "success" ? { template: row.name } : {}) });
        channel.close(1000);
        return;
      } else if (row.status === "running" && row.logs) {
        // Running but not in this process's history: it started between subscribe and read,
        // so every event is in the queue, or another control plane runs it.
        if (queue.length === 0) await channel.send({ type: "log", step: 0, data: row.logs, stream: "stdout" });
      }
      for (;;) {
        const event = queue.shift();
        if (event) {
          await channel.send(event);
          if (event.type === "finished") break;
          continue;
        }
        if (channel.signal.aborted) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
          channel.signal.addEventListener("abort", () => resolve(), { once: true });
        });
        wake = undefined;
      }
      channel.close(1000);
    } catch (err) {
      if (!channel.signal.aborted) channel.fail(err);
    } finally {
      unsubscribe();
    }
  })();
}
