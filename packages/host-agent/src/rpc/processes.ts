import { WrennError } from "@wrenn/core";
import { Signal as EnvdSignal } from "@wrenn/proto/envd/process";
import { Signal } from "@wrenn/proto/hostagent/v1";
import { asUser } from "../envd/connection.js";
import { eventOf, processConfig, sendInput } from "./envd-process.js";
import type { Handlers, RpcDeps } from "./handlers.js";
import { capsuleId, command, processSelector } from "./validate.js";

/** Background processes: start by tag, list, signal, feed stdin. */
export function processHandlers({ capsules }: RpcDeps): Handlers<"startBackground" | "listProcesses" | "killProcess" | "sendProcessInput"> {
  return {
    async startBackground(req, ctx) {
      const id = capsuleId(req.capsuleId);
      command(req.cmd);
      const envd = capsules.envd(id);
      const responses = envd.process.start(
        { process: processConfig(req), tag: req.tag || undefined },
        { ...asUser(req.user), signal: ctx.signal },
      );
      // Only the start event is needed; leaving the loop drops the stream, not the process.
      for await (const res of responses) {
        const event = eventOf(res);
        if (event.case === "start") return { pid: event.value.pid, tag: req.tag };
      }
      throw new WrennError("agent_error", "envd ended the stream without reporting the process start; check ListProcesses before retrying");
    },

    async listProcesses(req, ctx) {
      const envd = capsules.envd(capsuleId(req.capsuleId));
      const { processes } = await envd.process.list({}, { signal: ctx.signal });
      return {
        processes: processes.map((proc) => ({
          pid: proc.pid,
          tag: proc.tag ?? "",
          cmd: proc.config?.cmd ?? "",
          args: proc.config?.args ?? [],
          envs: proc.config?.envs ?? {},
          cwd: proc.config?.cwd ?? "",
        })),
      };
    },

    async killProcess(req, ctx) {
      const id = capsuleId(req.capsuleId);
      const process = processSelector(req.process);
      const signal = req.signal === Signal.SIGKILL ? EnvdSignal.SIGKILL : EnvdSignal.SIGTERM;
      await capsules.envd(id).process.sendSignal({ process, signal }, { signal: ctx.signal });
      return {};
    },

    async sendProcessInput(req, ctx) {
      const id = capsuleId(req.capsuleId);
      const process = processSelector(req.process);
      if (req.data.length === 0 && !req.close) throw new WrennError("invalid_request", "pass data to write, close = true to close stdin, or both");
      const envd = capsules.envd(id);
      await sendInput(envd, process, req.data, "stdin", ctx.signal);
      if (req.close) await envd.process.closeStdin({ process }, { signal: ctx.signal });
      return {};
    },
  };
}
