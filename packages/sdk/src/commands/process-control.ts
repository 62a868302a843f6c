import { toBase64, toBytes } from "../encoding.js";
import { NotFoundError } from "../errors.js";
import type { HttpClient } from "../transport/http.js";
import type { KillSignal } from "./types.js";

/** Raw bytes per stdin request: base64 of it stays under the API's 768 KiB field limit. */
const STDIN_CHUNK_BYTES = 512 * 1024;

/** The REST calls that act on a running process, by pid or tag. */
export class ProcessControl {
  constructor(
    private readonly http: HttpClient,
    private readonly capsuleId: string,
  ) {}

  private path(process: number | string): string {
    return `/capsules/${this.capsuleId}/processes/${encodeURIComponent(String(process))}`;
  }

  /** `true` when signalled, `false` when no such process runs. */
  async kill(process: number | string, signal: KillSignal = "SIGKILL"): Promise<boolean> {
    try {
      await this.http.json("DELETE", this.path(process), { query: { signal } });
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  /** Writes in pieces that fit the API's body limit, in order; closes stdin after the last when asked. */
  async sendStdin(process: number | string, data: string | Uint8Array, close: boolean): Promise<void> {
    const bytes = toBytes(data);
    let offset = 0;
    do {
      const chunk = bytes.subarray(offset, offset + STDIN_CHUNK_BYTES);
      offset += chunk.length;
      const last = offset >= bytes.length;
      await this.http.json("POST", `${this.path(process)}/stdin`, { json: { data: toBase64(chunk), encoding: "base64", close: close && last } });
    } while (offset < bytes.length);
  }
}
