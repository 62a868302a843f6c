import { randomBytes } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { WrennError } from "@wrenn/core";
import { Signal, type ProcessEvent } from "@wrenn/proto/envd/process";
import type { PtyAttachResponseSchema } from "@wrenn/proto/hostagent/v1";
import { asUser } from "../envd/connection.js";
import { eventOf, sendInput, type Selector } from "./envd-process.js";
import type { Handlers, RpcDeps } from "./handlers.js";
import { capsuleId, command, tag as validTag, terminalSize } from "./validate.js";

type PtyEvent = MessageInitShape<typeof PtyAttachResponseSchema>;

const DEFAULT_SIZE = { cols: 80, rows: 24 };
const DEFAULT_SHELL = "/bin/bash";

const byTag = (tag: string): Selector => ({ selector: { case: "tag", value: tag } });

/** envd's process events as terminal events; ends after the exit event. */
async function* ptyEvents(responses: AsyncIterable<{ event?: ProcessEvent }>, tag: string): AsyncGenerator<PtyEvent> {
  for await (const res of responses) {
    const event = eventOf(res);
    switch (event.case) {
      case "start":
        yield { event: { case: "started", value: { pid: event.value.pid, tag } } };
        break;
      case "data":
        if (event.value.output.case !== undefined) yield { event: { case: "output", value: event.value.output.value } };
        break;
      case "end": {
        const { exitCode, status, error } = event.value;
        yield { event: { case: "exit", value: { exitCode, status, error: error ?? "" } } };
        return;
      }
      case "keepalive":
        yield { event: { case: "keepalive", value: {} } };
        break;
    }
  }
}

/**
 * Terminals are envd processes with a PTY and a tag. A session outlives any attachment:
 * when the caller goes away the agent only drops its envd stream; the shell keeps
 * running until PtyKill or its own exit, and PtyAttach with the tag attaches again
 * (output from then on; nothing is replayed).
 */
export function ptyHandlers({ capsules }: RpcDeps): Handlers<"ptyAttach" | "ptySendInput" | "ptyResize" | "ptyKill"> {
  return {
    async *ptyAttach(req, ctx) {
      const id = capsuleId(req.capsuleId);
      const start = req.start;
      if (!start && !req.tag) {
        throw new WrennError("invalid_request", "pass start to open a new terminal, or tag to attach to a running one");
      }
      const envd = capsules.envd(id);
      if (!start) {
        const tag = validTag(req.tag);
        yield* ptyEvents(envd.process.connect({ process: byTag(tag) }, { signal: ctx.signal }), tag);
        return;
      }
      const tag = start.tag ? validTag(start.tag, "start.tag") : `pty-${randomBytes(8).toString("hex")}`;
      const responses = envd.process.start(
        {
          process: {
            cmd: start.cmd ? command(start.cmd) : DEFAULT_SHELL,
            args: start.args,
            // Full-screen programs need to know what they draw on.
            envs: { TERM: "xterm-256color", ...start.envs },
            cwd: start.cwd || undefined,
          },
          pty: { size: terminalSize(start.cols, start.rows, DEFAULT_SIZE) },
          tag,
        },
        { ...asUser(start.user), signal: ctx.signal },
      );
      yield* ptyEvents(responses, tag);
    },

    async ptySendInput(req, ctx) {
      const envd = capsules.envd(capsuleId(req.capsuleId));
      await sendInput(envd, byTag(validTag(req.tag)), req.data, "pty", ctx.signal);
      return {};
    },

    async ptyResize(req, ctx) {
      const envd = capsules.envd(capsuleId(req.capsuleId));
      const tag = validTag(req.tag);
      await envd.process.update({ process: byTag(tag), pty: { size: terminalSize(req.cols, req.rows) } }, { signal: ctx.signal });
      return {};
    },

    async ptyKill(req, ctx) {
      const envd = capsules.envd(capsuleId(req.capsuleId));
      // envd answers NotFound for a tag that no running process has.
      await envd.process.sendSignal({ process: byTag(validTag(req.tag)), signal: Signal.SIGKILL }, { signal: ctx.signal });
      return {};
    },
  };
}
