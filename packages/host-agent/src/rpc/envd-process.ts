import type { MessageInitShape } from "@bufbuild/protobuf";
import { Signal, type ProcessConfigSchema, type ProcessEvent, type ProcessSelectorSchema } from "@wrenn/proto/envd/process";
import type { EnvdConnection } from "../envd/connection.js";

/** Small steps over envd's process.Process shared by the exec, process and PTY handlers. */

export type Selector = MessageInitShape<typeof ProcessSelectorSchema>;

/** envd takes input in unary messages; this keeps each well under its 16 MiB message limit. */
const INPUT_CHUNK_BYTES = 1 << 20;

export const byPid = (pid: number): Selector => ({ selector: { case: "pid", value: pid } });

export function processConfig(req: {
  cmd: string;
  args: string[];
  envs: Record<string, string>;
  cwd: string;
}): MessageInitShape<typeof ProcessConfigSchema> {
  return { cmd: req.cmd, args: req.args, envs: req.envs, cwd: req.cwd || undefined };
}

/** Sends a signal; a process that is already gone is not an error here. */
export async function signalQuietly(envd: EnvdConnection, process: Selector, signal: Signal = Signal.SIGKILL): Promise<void> {
  try {
    await envd.process.sendSignal({ process, signal });
  } catch {}
}

/** Writes `data` to stdin (or the PTY) in chunks, in order. */
export async function sendInput(
  envd: EnvdConnection,
  process: Selector,
  data: Uint8Array,
  kind: "stdin" | "pty" = "stdin",
  signal?: AbortSignal,
): Promise<void> {
  for (let offset = 0; offset < data.length; offset += INPUT_CHUNK_BYTES) {
    const chunk = data.subarray(offset, offset + INPUT_CHUNK_BYTES);
    await envd.process.sendInput({ process, input: { input: { case: kind, value: chunk } } }, { signal });
  }
}

/** The event inside an envd Start/Connect response. */
export type EnvdEvent = ProcessEvent["event"];

export function eventOf(res: { event?: ProcessEvent }): EnvdEvent {
  return res.event?.event ?? { case: undefined };
}
