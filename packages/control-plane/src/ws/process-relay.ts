import { WrennError } from "@wrenn/core";
import { Signal, type ExecStreamResponse } from "@wrenn/proto/hostagent/v1";
import { z } from "zod";
import { commandLine } from "../services/capsule-exec.js";
import type { CapsuleSession, SessionRunner } from "./capsule-socket.js";
import type { WsChannel } from "./channel.js";
import { FIRST_MESSAGE_TIMEOUT_MS, INPUT_CALL_TIMEOUT_MS, base64, command, cwd, envs, optionalArgs, tag, user } from "./messages.js";
import { OutputEncoder, type EncodedChunk } from "./output-encoder.js";

/**
 * Streaming exec and process reattach. Server messages: `start{pid, tag?}`, then
 * `stdout` / `stderr` `{data, encoding?: "base64"}` (text unless the bytes are not
 * UTF-8), then `exit{exit_code}` and a normal close. Client messages after the
 * start: `stdin{data, encoding?: "utf-8"|"base64", close?}` and `stop{signal?}`.
 *
 * Closing the socket detaches: the agent drops its stream and the process runs on, to be
 * found again by pid or tag (`/processes/{pid|tag}/stream`) or stopped with DELETE.
 */

export const ExecStartMessage = z.object({
  type: z.literal("start"),
  cmd: command,
  /** Omitted with a `cmd` that has spaces: a shell command line, as in POST /exec. */
  args: optionalArgs,
  envs,
  cwd,
  user,
  tag: tag.optional(),
  /** Kills the process this many seconds after start while the socket is attached; 0 = no limit. */
  timeout_sec: z.number().int().min(0).max(86_400).default(0),
});

const StdinMessage = z
  .object({
    type: z.literal("stdin"),
    data: z.string().default(""),
    encoding: z.enum(["utf-8", "base64"]).default("utf-8"),
    /** Close stdin after writing `data` (end of input), as in POST /processes/{pid|tag}/stdin. */
    close: z.boolean().default(false),
  })
  .superRefine((m, ctx) => {
    if (m.encoding === "base64" && !base64.safeParse(m.data).success) ctx.addIssue({ code: "custom", path: ["data"], message: "is not valid base64" });
    if (m.data === "" && !m.close) ctx.addIssue({ code: "custom", path: ["data"], message: "is empty: send data, close: true, or both" });
  });

const StopMessage = z.object({ type: z.literal("stop"), signal: z.enum(["SIGTERM", "SIGKILL"]).default("SIGTERM") });

const ProcessInput = z.discriminatedUnion("type", [StdinMessage, StopMessage]);

export type ProcessSelector = { case: "pid"; value: number } | { case: "tag"; value: string };

const MAX_PID = 4_294_967_295;

/** All digits names a pid (as in the REST process routes); anything else is a tag. */
export function processSelector(raw: string): ProcessSelector {
  if (!/^\d+$/.test(raw)) return { case: "tag", value: raw };
  const pid = Number(raw);
  if (pid < 1 || pid > MAX_PID) throw new WrennError("invalid_request", `pid ${raw.slice(0, 20)} is out of range (1 to ${MAX_PID})`);
  return { case: "pid", value: pid };
}

/** `WS /capsules/{id}/exec/stream`: waits for `start`, runs the command, relays it. */
export const execStreamSession: SessionRunner = async (session) => {
  const start = await session.channel.receive(ExecStartMessage, { expects: '"start"', timeoutMs: FIRST_MESSAGE_TIMEOUT_MS });
  if (!start) return;
  const { cmd, args: argv } = commandLine(start.cmd, start.args);
  const events = (await session.deps.fleet.capsuleAgent(session.capsule)).client.execStream(
    {
      capsuleId: session.capsule.id,
      cmd,
      args: argv,
      envs: start.envs,
      cwd: start.cwd,
      user: start.user,
      timeoutSec: start.timeout_sec,
      tag: start.tag ?? "",
    },
    { signal: session.channel.signal },
  );
  await relayProcess(session, events);
};

/** `WS /capsules/{id}/processes/{pid|tag}/stream`: attaches to a running process from now on. */
export function reattachSession(processParam: string): SessionRunner {
  return async (session) => {
    const process = processSelector(processParam);
    const events = (await session.deps.fleet.capsuleAgent(session.capsule)).client.connectProcess(
      { capsuleId: session.capsule.id, process: { selector: process } },
      { signal: session.channel.signal },
    );
    await relayProcess(session, events);
  };
}

/** Output to the client until the process exits; client input to the process meanwhile. */
async function relayProcess(session: CapsuleSession, events: AsyncIterable<ExecStreamResponse>): Promise<void> {
  let started!: (pid: number | undefined) => void;
  const pid = new Promise<number | undefined>((resolve) => (started = resolve));
  void relayInput(session, pid);
  try {
    await relayOutput(session.channel, events, started);
  } finally {
    started(undefined);
  }
}

async function relayOutput(channel: WsChannel, events: AsyncIterable<ExecStreamResponse>, onStart: (pid: number) => void): Promise<void> {
  const stdout = new OutputEncoder();
  const stderr = new OutputEncoder();
  for await (const { event } of events) {
    switch (event.case) {
      case "start":
        onStart(event.value.pid);
        await channel.send({ type: "start", pid: event.value.pid, ...(event.value.tag ? { tag: event.value.tag } : {}) });
        break;
      case "stdout":
        await sendChunk(channel, "stdout", stdout.encode(event.value));
        break;
      case "stderr":
        await sendChunk(channel, "stderr", stderr.encode(event.value));
        break;
      case "exit":
        await sendChunk(channel, "stdout", stdout.flush());
        await sendChunk(channel, "stderr", stderr.flush());
        await channel.send({ type: "exit", exit_code: event.value.exitCode });
        return;
    }
  }
  throw new WrennError("agent_error", "the host agent ended the process stream without an exit status; check GET /processes");
}

async function sendChunk(channel: WsChannel, type: "stdout" | "stderr", chunk: EncodedChunk | undefined): Promise<void> {
  if (chunk) await channel.send({ type, ...chunk });
}

/** Bad or failed input is reported and the session goes on; the process's exit ends it. */
async function relayInput({ deps, channel, capsule }: CapsuleSession, pid: Promise<number | undefined>): Promise<void> {
  for (;;) {
    let message: z.output<typeof ProcessInput> | undefined;
    try {
      message = await channel.receive(ProcessInput, { expects: '"stdin" or "stop"' });
    } catch (err) {
      channel.report(err);
      continue;
    }
    const target = message && (await pid);
    if (!message || target === undefined) return;
    const process = { selector: { case: "pid" as const, value: target } };
    // Not tied to the socket: a stop or input sent just before a close still takes effect.
    const options = { timeoutMs: INPUT_CALL_TIMEOUT_MS };
    try {
      if (message.type === "stdin") {
        const data = Buffer.from(message.data, message.encoding === "base64" ? "base64" : "utf8");
        await (await deps.fleet.capsuleAgent(capsule)).client.sendProcessInput({ capsuleId: capsule.id, process, data, close: message.close }, options);
      } else {
        const signal = message.signal === "SIGKILL" ? Signal.SIGKILL : Signal.SIGTERM;
        await (await deps.fleet.capsuleAgent(capsule)).client.killProcess({ capsuleId: capsule.id, process, signal }, options);
      }
    } catch (err) {
      channel.report(err);
    }
  }
}
