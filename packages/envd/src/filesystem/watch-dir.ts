import { create } from "@bufbuild/protobuf";
import { WrennError } from "@wrenn/core";
import { WatchDirResponseSchema, type FilesystemEvent, type WatchDirResponse } from "@wrenn/proto/envd/filesystem";
import type { UserDirectory } from "../users.js";
import { DirWatcher } from "./dir-watcher.js";
import { withHomeHint, type UserPath } from "./user-path.js";

export interface WatchDirOptions {
  recursive: boolean;
  includeEntry: boolean;
  users: UserDirectory;
  /** Quiet time after which a keepalive is sent. */
  keepaliveMs: number;
  /** Events a slow client may fall behind by before the stream is ended. */
  maxBacklog?: number;
  signal: AbortSignal;
}

/** E2B clients ask for keepalives with this header (seconds); 90 s otherwise. */
export const KEEPALIVE_HEADER = "keepalive-ping-interval";
const DEFAULT_KEEPALIVE_MS = 90_000;

export function keepaliveMs(header: string | null): number {
  const seconds = Number(header);
  if (!header || !Number.isInteger(seconds) || seconds <= 0) return DEFAULT_KEEPALIVE_MS;
  return Math.min(seconds, 3600) * 1000;
}

/**
 * WatchDir: a start event once the watch is in place (so anything the client does after
 * seeing it is reported), then filesystem events, with keepalives in quiet periods. Ends
 * when the client goes away or the watched directory does.
 */
export async function* watchDir(target: UserPath, options: WatchDirOptions): AsyncGenerator<WatchDirResponse> {
  const maxBacklog = options.maxBacklog ?? 10_000;
  const backlog: FilesystemEvent[] = [];
  let ended: WrennError | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const fn = wake;
    wake = undefined;
    fn?.();
  };

  const watcher = await withHomeHint(target, () =>
    DirWatcher.open(target.path, {
      recursive: options.recursive,
      includeEntry: options.includeEntry,
      users: options.users,
      onEvent: (event) => {
        if (backlog.length >= maxBacklog) {
          ended = new WrennError("too_large", `the client fell more than ${maxBacklog} events behind; watch stopped`);
          watcher.close();
        } else {
          backlog.push(event);
        }
        notify();
      },
      onEnd: (err) => {
        ended = err;
        notify();
      },
    }),
  );
  options.signal.addEventListener("abort", notify);
  try {
    yield create(WatchDirResponseSchema, { event: { case: "start", value: {} } });
    while (!options.signal.aborted) {
      const event = backlog.shift();
      if (event) {
        yield create(WatchDirResponseSchema, { event: { case: "filesystem", value: event } });
        continue;
      }
      if (ended) throw ended;
      let timer: NodeJS.Timeout | undefined;
      const quiet = await new Promise<boolean>((resolve) => {
        wake = () => resolve(false);
        timer = setTimeout(() => resolve(true), options.keepaliveMs);
      });
      clearTimeout(timer);
      wake = undefined;
      if (quiet) yield create(WatchDirResponseSchema, { event: { case: "keepalive", value: {} } });
    }
  } finally {
    options.signal.removeEventListener("abort", notify);
    watcher.close();
  }
}
