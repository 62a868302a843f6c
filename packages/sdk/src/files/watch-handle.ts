import { WrennError } from "../errors.js";
import type { HttpClient } from "../transport/http.js";
import { JsonSocket, type SocketMessage } from "../transport/socket.js";
import type { FilesystemEvent } from "./types.js";

export interface WatchOptions {
  /** Report changes in subdirectories too. */
  recursive?: boolean;
  /** Called once when the watch ends: with the error that ended it, or nothing after `stop()`. */
  onExit?: (error?: WrennError) => void;
}

const eventTypes = new Set(["create", "write", "remove", "rename", "chmod"]);

/**
 * A live watch on a directory. Changes are reported to the callback given to
 * `files.watchDir` until `stop()` is called or the directory goes away.
 *
 * @example
 * ```ts
 * const watch = await capsule.files.watchDir("/home/user", (e) => console.log(e.type, e.name));
 * await capsule.files.write("/home/user/new.txt", "hi");
 * await watch.stop();
 * ```
 */
export class WatchHandle {
  private stopped = false;

  private constructor(
    private readonly socket: JsonSocket,
    private readonly onExit: ((error?: WrennError) => void) | undefined,
  ) {}

  /** @internal Opens the watch; resolves once it is in place (later changes are reported). */
  static async open(http: HttpClient, capsuleId: string, path: string, onEvent: (event: FilesystemEvent) => void, options: WatchOptions): Promise<WatchHandle> {
    const socket = await JsonSocket.open(http, `/capsules/${capsuleId}/files/watch`, { path, recursive: options.recursive ? "true" : "false" });
    const handle = new WatchHandle(socket, options.onExit);
    await new Promise<void>((resolve, reject) => {
      let watching = false;
      let lastError: WrennError | undefined;
      socket.attach({
        onMessage(message: SocketMessage) {
          if (message.type === "watching") {
            watching = true;
            resolve();
            return;
          }
          const event = message.event as { type?: unknown; name?: unknown } | undefined;
          if (message.type === "event" && typeof event?.type === "string" && eventTypes.has(event.type) && typeof event.name === "string") {
            onEvent({ type: event.type as FilesystemEvent["type"], name: event.name });
          }
        },
        onError(error) {
          lastError = error;
        },
        onClose(code, reason) {
          const error = lastError ?? new WrennError(`the watch on ${path} ended (${code}${reason ? `: ${reason}` : ""}); open a new one with files.watchDir`, { code: "watch_closed" });
          if (!watching) reject(error);
          else handle.exit(error);
        },
      });
    });
    return handle;
  }

  private exit(error: WrennError): void {
    if (this.stopped) return;
    this.stopped = true;
    this.onExit?.(error);
  }

  /**
   * Ends the watch.
   *
   * @example
   * ```ts
   * await watch.stop();
   * ```
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.socket.send({ type: "stop" }).catch(() => {});
    await this.socket.close();
    this.onExit?.();
  }
}
