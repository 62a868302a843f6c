import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ProcessEventSchema } from "@wrenn/proto/envd/process";
import type { Watcher, WatcherItem } from "./watcher.js";

type ProcessEventInit = MessageInitShape<typeof ProcessEventSchema>;

/** Start and Connect responses share this shape: one ProcessEvent. */
export interface EventResponse {
  event: ProcessEventInit;
}

export interface EventStreamOptions {
  pid: number;
  keepaliveIntervalMs: number;
  /** Largest output chunk per message (keeps messages under the server's write limit). */
  maxChunkBytes: number;
  /** Small chunks are merged up to this size; larger merges cost more in copies than they save. */
  mergeBytes: number;
}

const keepalive: EventResponse = { event: { event: { case: "keepalive", value: {} } } };

function toResponse(item: WatcherItem): EventResponse {
  if (item.type === "end") {
    const { exitCode, exited, status, error } = item.exit;
    return { event: { event: { case: "end", value: { exitCode, exited, status, error } } } };
  }
  return { event: { event: { case: "data", value: { output: { case: item.kind, value: item.data } } } } };
}

/**
 * A watcher as a response stream: start{pid}, then its output, then end, with a
 * keepalive whenever nothing was sent for a keepalive interval. Returns when the end was
 * sent or `signal` aborts (the client went away); the watcher is closed either way, so
 * a departed client never holds the process back.
 */
export async function* eventStream(watcher: Watcher, signal: AbortSignal, options: EventStreamOptions): AsyncGenerator<EventResponse> {
  try {
    yield { event: { event: { case: "start", value: { pid: options.pid } } } };
    for (;;) {
      const item = watcher.take(options.maxChunkBytes, options.mergeBytes);
      if (item) {
        yield toResponse(item);
        if (item.type === "end") return;
        continue;
      }
      const woke = await watcher.wait(signal, options.keepaliveIntervalMs);
      if (woke === "aborted") return;
      if (woke === "timeout") yield keepalive;
    }
  } finally {
    watcher.close();
  }
}
