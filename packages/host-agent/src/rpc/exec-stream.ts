import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ProcessEvent } from "@wrenn/proto/envd/process";
import type { ExecStreamResponseSchema } from "@wrenn/proto/hostagent/v1";
import { asUser } from "../envd/connection.js";
import { byPid, eventOf, processConfig, signalQuietly } from "./envd-process.js";
import type { Handlers, RpcDeps } from "./handlers.js";
import { capsuleId, command, processSelector } from "./validate.js";

type ExecEvent = MessageInitShape<typeof ExecStreamResponseSchema>;

/**
 * envd's process events as ExecStream events. Ends after the exit event. PTY output
 * (a process started by PtyAttach and connected to here) counts as stdout.
 */
async function* execEvents(responses: AsyncIterable<{ event?: ProcessEvent }>, tag: string, onStart?: (pid: number) => void): AsyncGenerator<ExecEvent> {
  for await (const res of responses) {
    const event = eventOf(res);
    switch (event.case) {
      case "start":
        onStart?.(event.value.pid);
        yield { event: { case: "start", value: { pid: event.value.pid, tag } } };
        break;
      case "data": {
        const output = event.value.output;
        if (output.case === "stderr") yield { event: { case: "stderr", value: output.value } };
        else if (output.case !== undefined) yield { event: { case: "stdout", value: output.value } };
        break;
      }
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
 * ExecStream and ConnectProcess. The stream is an attachment, not the process's life:
 * when the caller goes away the agent drops its envd stream (leaving the loop over it
 * cancels the envd call) and the process runs on (as with envd's Start), reachable again
 * by pid or tag. ExecStream's timeout_sec (0 = none)
 * is a deadline that holds while the stream is attached: at the deadline the agent kills
 * the process (SIGKILL) and the stream ends with its exit event.
 */
export function execStreamHandlers({ capsules }: RpcDeps): Handlers<"execStream" | "connectProcess"> {
  return {
    async *execStream(req, ctx) {
      const id = capsuleId(req.capsuleId);
      command(req.cmd);
      const envd = capsules.envd(id);
      let timer: NodeJS.Timeout | undefined;
      const armDeadline = (pid: number): void => {
        if (req.timeoutSec > 0) timer = setTimeout(() => void signalQuietly(envd, byPid(pid)), req.timeoutSec * 1000);
      };
      try {
        const responses = envd.process.start(
          { process: processConfig(req), tag: req.tag || undefined },
          { ...asUser(req.user), signal: ctx.signal },
        );
        yield* execEvents(responses, req.tag, armDeadline);
      } finally {
        clearTimeout(timer);
      }
    },

    async *connectProcess(req, ctx) {
      const id = capsuleId(req.capsuleId);
      const process = processSelector(req.process);
      const envd = capsules.envd(id);
      const responses = envd.process.connect({ process }, { signal: ctx.signal });
      yield* execEvents(responses, process.selector.case === "tag" ? process.selector.value : "");
    },
  };
}
