/**
 * One PTY over `WS /v1/capsules/{id}/pty`: starts a shell or reconnects to one by tag, and
 * moves bytes between the socket and an xterm (base64 both ways).
 */
import { clearSession } from "../api/session";
import { base64ToBytes, bytesToBase64, openApiSocket } from "../api/socket";

export type PtyEvent =
  | { type: "started"; tag: string; pid: number }
  | { type: "output"; bytes: Uint8Array }
  | { type: "exit"; exitCode: number }
  | { type: "error"; code: string; message: string }
  | { type: "closed"; code: number; reason: string };

export interface PtyStart {
  cols: number;
  rows: number;
  /** Reattach to this running session instead of starting a new shell. */
  tag?: string;
}

export class PtyConnection {
  private readonly ws: WebSocket;
  private readonly encoder = new TextEncoder();
  private ended = false;
  private started = false;
  /** Closed by the page before the shell reported `started`: kill it when it does. */
  private abandoned = false;

  constructor(capsuleId: string, start: PtyStart, onEvent: (e: PtyEvent) => void) {
    const first = start.tag
      ? { type: "connect", tag: start.tag }
      : { type: "start", cmd: "/bin/bash", args: ["-l"], cols: start.cols, rows: start.rows, envs: { TERM: "xterm-256color" } };
    this.ws = openApiSocket(`/capsules/${encodeURIComponent(capsuleId)}/pty`, first);
    this.ws.addEventListener("message", (m) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(String(m.data)) as Record<string, unknown>;
      } catch {
        return;
      }
      switch (msg.type) {
        case "started":
          this.started = true;
          if (this.abandoned) {
            this.kill();
            this.ws.close(1000, "abandoned");
            return;
          }
          onEvent({ type: "started", tag: String(msg.tag ?? ""), pid: Number(msg.pid ?? 0) });
          // A reattached session learns the current size from us.
          if (start.tag) this.resize(start.cols, start.rows);
          break;
        case "output":
          onEvent({ type: "output", bytes: base64ToBytes(String(msg.data ?? "")) });
          break;
        case "exit":
          this.ended = true;
          onEvent({ type: "exit", exitCode: Number(msg.exit_code ?? 0) });
          break;
        case "error": {
          const err = (typeof msg.error === "object" && msg.error !== null ? msg.error : msg) as { code?: unknown; message?: unknown };
          onEvent({ type: "error", code: String(err.code ?? "error"), message: String(err.message ?? "terminal error") });
          break;
        }
        default:
          break; // ping and anything newer
      }
    });
    this.ws.addEventListener("close", (e) => {
      // 4000 + HTTP status: 4401 means the session token was refused, as a 401 would.
      if (e.code === 4401) clearSession("unauthorized");
      if (!this.ended) onEvent({ type: "closed", code: e.code, reason: e.reason });
    });
  }

  private send(msg: Record<string, unknown>): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  input(data: string): void {
    this.send({ type: "input", data: bytesToBase64(this.encoder.encode(data)) });
  }

  resize(cols: number, rows: number): void {
    if (cols > 0 && rows > 0) this.send({ type: "resize", cols, rows });
  }

  /** Ends the shell itself (not just this connection). */
  kill(): void {
    this.send({ type: "kill" });
  }

  /**
   * Leaves a started shell running for a later reattach. A shell asked for but not yet
   * started is killed once it starts, so an unmount mid-start leaves nothing behind.
   */
  detach(): void {
    this.ended = true;
    if (!this.started && this.ws.readyState === WebSocket.OPEN) {
      this.abandoned = true;
      return;
    }
    this.ws.close(1000, "detached");
  }
}
