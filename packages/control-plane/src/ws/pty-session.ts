import { WrennError } from "@wrenn/core";
import type { PtyAttachResponse } from "@wrenn/proto/hostagent/v1";
import { z } from "zod";
import type { CapsuleSession, SessionRunner } from "./capsule-socket.js";
import type { WsChannel } from "./channel.js";
import { FIRST_MESSAGE_TIMEOUT_MS, INPUT_CALL_TIMEOUT_MS, args, base64, command, cwd, envs, tag, terminalCols, terminalRows, user } from "./messages.js";

/**
 * `WS /capsules/{id}/pty`. First message (after `auth`, when used): `start{cmd="/bin/bash",
 * args, cols=80, rows=24, envs, cwd, user, tag?}` opens a terminal, `connect{tag}` attaches
 * to one that is running. Then `input{data: base64}`, `resize{cols, rows}`, `kill`. Server:
 * `started{tag, pid}`, `output{data: base64}`, `exit{exit_code}`, `error`, `ping`.
 *
 * A terminal outlives the socket: closing it only drops the attachment; `connect` with
 * the tag attaches again (output from then on, nothing replayed). `kill` ends it.
 */

const PtyFirst = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("start"),
    cmd: command.default("/bin/bash"),
    args,
    cols: terminalCols.default(80),
    rows: terminalRows.default(24),
    envs,
    cwd,
    user,
    tag: tag.optional(),
  }),
  z.object({ type: z.literal("connect"), tag }),
]);

const PtyInput = z.discriminatedUnion("type", [
  z.object({ type: z.literal("input"), data: base64.min(1) }),
  z.object({ type: z.literal("resize"), cols: terminalCols, rows: terminalRows }),
  z.object({ type: z.literal("kill") }),
]);

export const ptySession: SessionRunner = async (session) => {
  const { channel, capsule, deps } = session;
  const first = await channel.receive(PtyFirst, { expects: '"start" or "connect"', timeoutMs: FIRST_MESSAGE_TIMEOUT_MS });
  if (!first) return;
  const request =
    first.type === "start"
      ? {
          capsuleId: capsule.id,
          start: { cmd: first.cmd, args: first.args, cols: first.cols, rows: first.rows, envs: first.envs, cwd: first.cwd, user: first.user, tag: first.tag ?? "" },
        }
      : { capsuleId: capsule.id, tag: first.tag };
  const events = (await deps.fleet.capsuleAgent(capsule)).client.ptyAttach(request, { signal: channel.signal });

  let started!: (tag: string | undefined) => void;
  const sessionTag = new Promise<string | undefined>((resolve) => (started = resolve));
  void relayInput(session, sessionTag);
  try {
    await relayOutput(channel, events, started);
  } finally {
    started(undefined);
  }
};

async function relayOutput(channel: WsChannel, events: AsyncIterable<PtyAttachResponse>, onStart: (tag: string) => void): Promise<void> {
  for await (const { event } of events) {
    switch (event.case) {
      case "started":
        onStart(event.value.tag);
        await channel.send({ type: "started", tag: event.value.tag, pid: event.value.pid });
        break;
      case "output":
        await channel.send({ type: "output", data: Buffer.from(event.value.buffer, event.value.byteOffset, event.value.byteLength).toString("base64") });
        break;
      case "exit":
        await channel.send({ type: "exit", exit_code: event.value.exitCode });
        return;
    }
  }
  throw new WrennError("agent_error", "the host agent ended the terminal stream without an exit status; reconnect by tag");
}

/** Bad or failed input is reported and the terminal goes on; its exit ends the session. */
async function relayInput({ deps, channel, capsule }: CapsuleSession, sessionTag: Promise<string | undefined>): Promise<void> {
  for (;;) {
    let message: z.output<typeof PtyInput> | undefined;
    try {
      message = await channel.receive(PtyInput, { expects: '"input", "resize" or "kill"' });
    } catch (err) {
      channel.report(err);
      continue;
    }
    const tag = message && (await sessionTag);
    if (!message || tag === undefined) return;
    // Not tied to the socket: input sent just before a close still reaches the terminal.
    const options = { timeoutMs: INPUT_CALL_TIMEOUT_MS };
    try {
      if (message.type === "input") {
        await (await deps.fleet.capsuleAgent(capsule)).client.ptySendInput({ capsuleId: capsule.id, tag, data: Buffer.from(message.data, "base64") }, options);
      } else if (message.type === "resize") {
        await (await deps.fleet.capsuleAgent(capsule)).client.ptyResize({ capsuleId: capsule.id, tag, cols: message.cols, rows: message.rows }, options);
      } else {
        await (await deps.fleet.capsuleAgent(capsule)).client.ptyKill({ capsuleId: capsule.id, tag }, options);
      }
    } catch (err) {
      channel.report(err);
    }
  }
}
