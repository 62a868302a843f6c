import { WrennError } from "../errors.js";
import type { JsonSocket, SocketMessage } from "../transport/socket.js";
import { CommandHandle } from "./command-handle.js";
import type { ProcessControl } from "./process-control.js";

export interface StreamOptions {
  onStdout?: ((data: string) => void) | undefined;
  onStderr?: ((data: string) => void) | undefined;
  timeoutMs?: number | undefined;
  /** For reattach: the pid (or tag) asked for, used until the stream names the pid. */
  knownPid?: number | undefined;
  tag?: string | undefined;
}

/**
 * Binds a process stream (exec/stream or a reattach) to a CommandHandle: resolves once the
 * stream names the process (`start`), then forwards output and the exit to the handle.
 * Without a `start` event (some reattaches), the first output or exit event binds it to `knownPid`.
 */
export function bindProcessStream(socket: JsonSocket, control: ProcessControl, options: StreamOptions): Promise<CommandHandle> {
  return new Promise((resolve, reject) => {
    let handle: CommandHandle | undefined;
    let lastError: WrennError | undefined;
    const bind = (pid: number, tag: string | undefined): CommandHandle => {
      handle = new CommandHandle(pid, tag, control, socket, { onStdout: options.onStdout, onStderr: options.onStderr }, options.timeoutMs);
      resolve(handle);
      return handle;
    };
    socket.attach({
      onMessage(message: SocketMessage) {
        if (!handle) {
          if (message.type === "start" || message.type === "started") {
            const pid = typeof message.pid === "number" ? message.pid : (options.knownPid ?? 0);
            bind(pid, typeof message.tag === "string" && message.tag ? message.tag : options.tag);
            return;
          }
          if (options.knownPid === undefined) return;
          bind(options.knownPid, options.tag);
        }
        handle!.handle(message);
      },
      // The server closes right after an error it cannot go on from; the close settles.
      onError(error) {
        lastError = error;
      },
      onClose(code, reason) {
        const error = lastError ?? new WrennError(
          `the process stream closed before the process exited (${code}${reason ? `: ${reason}` : ""}). ` +
            (handle ? `The process may still run: reattach with commands.connect(${handle.pid})` : "Retry the command"),
          { code: "stream_closed" },
        );
        if (handle) handle.fail(error);
        else reject(error);
      },
    });
  });
}
