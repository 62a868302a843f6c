import { WrennError } from "@wrenn/core";
import { FsEventType, type WatchDirResponse } from "@wrenn/proto/hostagent/v1";
import { z } from "zod";
import type { SessionRunner } from "./capsule-socket.js";
import type { WsChannel } from "./channel.js";

/**
 * `WS /capsules/{id}/files/watch?path=&recursive=`. Server: `watching{path, recursive}`
 * once the watch is in place (changes after it are reported), then
 * `event{event: {type: create|write|remove|rename|chmod, name}}` with `name` relative to
 * the watched directory. The client sends nothing but may send `stop` to end the watch.
 * The socket closes with an error when the directory goes away.
 */

const eventNames: Partial<Record<FsEventType, string>> = {
  [FsEventType.CREATE]: "create",
  [FsEventType.WRITE]: "write",
  [FsEventType.REMOVE]: "remove",
  [FsEventType.RENAME]: "rename",
  [FsEventType.CHMOD]: "chmod",
};

const WatchInput = z.object({ type: z.literal("stop") });

export function watchSession(path: string, recursive: boolean): SessionRunner {
  return async ({ deps, channel, capsule }) => {
    const stopped = new AbortController();
    const signal = AbortSignal.any([channel.signal, stopped.signal]);
    void untilStop(channel, stopped);
    const events = (await deps.fleet.capsuleAgent(capsule)).client.watchDir({ capsuleId: capsule.id, path, recursive }, { signal });
    try {
      await relayEvents(channel, events, path, recursive);
    } catch (err) {
      if (!stopped.signal.aborted) throw err;
    }
  };
}

async function relayEvents(channel: WsChannel, events: AsyncIterable<WatchDirResponse>, path: string, recursive: boolean): Promise<void> {
  let watching = false;
  for await (const { event } of events) {
    // The agent's first message means the watch is in place (envd's start event).
    if (!watching) {
      watching = true;
      await channel.send({ type: "watching", path, recursive });
    }
    if (event.case !== "fs") continue;
    const type = eventNames[event.value.type];
    if (type) await channel.send({ type: "event", event: { type, name: event.value.name } });
  }
  throw new WrennError("agent_error", "the host agent ended the watch; open a new one");
}

/** Reads client messages for the session's lifetime: `stop` ends the watch, anything else is reported. */
async function untilStop(channel: WsChannel, stopped: AbortController): Promise<void> {
  for (;;) {
    try {
      const message = await channel.receive(WatchInput, { expects: '"stop" (or nothing)' });
      if (message) stopped.abort();
      return;
    } catch (err) {
      channel.report(err);
    }
  }
}
