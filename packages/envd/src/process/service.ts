import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { WrennError } from "@wrenn/core";
import { Process } from "@wrenn/proto/envd/process";
import { requestUser } from "../auth.js";
import type { EnvdContext } from "../context.js";
import { rpc, toConnectError } from "../errors.js";
import { eventStream, type EventResponse } from "./events.js";
import type { ManagedProcess } from "./managed-process.js";
import { ptySize } from "./pty.js";
import type { Watcher } from "./watcher.js";

/** Room for the protobuf and envelope framing around one output chunk. */
const FRAMING_BYTES = 64;
/**
 * Output chunks queued for a watcher are merged up to this size. Measured: merging the
 * 64 KiB reads of a bulk stream into larger messages costs more (copies, big
 * allocations) than the per-message overhead it saves; merging small writes pays.
 */
const MERGE_BYTES = 64 << 10;

/** process.Process over Connect: thin handlers over ctx.processes. */
export function registerProcessService(router: ConnectRouter, ctx: EnvdContext): void {
  const processes = ctx.processes;
  const streamOptions = (pid: number) => ({
    pid,
    keepaliveIntervalMs: processes.keepaliveIntervalMs,
    maxChunkBytes: Math.max(1, ctx.config.maxMessageBytes - FRAMING_BYTES),
    mergeBytes: MERGE_BYTES,
  });
  const userOf = (hctx: HandlerContext) => requestUser(ctx.state, ctx.users, (name) => hctx.requestHeader.get(name));

  router.service(Process, {
    list: () =>
      rpc(() => ({
        processes: processes.list().map((proc) => ({ config: proc.config, pid: proc.pid, tag: proc.tag })),
      })),

    // Start errors (bad input, missing command) fail the call before any event is sent.
    async *start(req, hctx): AsyncGenerator<EventResponse> {
      let started: { process: ManagedProcess; watcher: Watcher };
      try {
        started = await processes.start(req, userOf(hctx));
      } catch (err) {
        throw toConnectError(err);
      }
      yield* eventStream(started.watcher, hctx.signal, streamOptions(started.process.pid));
    },

    async *connect(req, hctx): AsyncGenerator<EventResponse> {
      let proc: ManagedProcess;
      try {
        proc = processes.get(req.process);
      } catch (err) {
        throw toConnectError(err);
      }
      yield* eventStream(proc.watch(), hctx.signal, streamOptions(proc.pid));
    },

    update: (req) =>
      rpc(() => {
        const proc = processes.get(req.process);
        if (!req.pty?.size) throw new WrennError("invalid_request", "pty.size is required: pass the new cols and rows");
        proc.resize(ptySize(req.pty.size, true));
        return {};
      }),

    sendInput: (req) =>
      rpc(async () => {
        await processes.get(req.process).sendInput(req.input);
        return {};
      }),

    streamInput: (reqs) =>
      rpc(async () => {
        let target: ManagedProcess | undefined;
        for await (const req of reqs) {
          switch (req.event.case) {
            case "start":
              target = processes.get(req.event.value.process);
              break;
            case "data":
              if (!target) {
                throw new WrennError("invalid_request", "send a start event naming the process before any data");
              }
              await target.sendInput(req.event.value.input);
              break;
          }
        }
        return {};
      }),

    sendSignal: (req) =>
      rpc(() => {
        processes.get(req.process).signal(req.signal);
        return {};
      }),

    closeStdin: (req) =>
      rpc(() => {
        processes.get(req.process).closeStdin();
        return {};
      }),
  });
}
