import { Agent, request } from "node:http";
import { WrennError } from "@wrenn/core";

/**
 * One HTTP exchange with envd on a fresh connection that the agent closes itself: the side
 * that closes first keeps TIME_WAIT, and gVisor refuses to checkpoint a capsule holding
 * one, so envd must never be the one to close (no `Connection: close`).
 */
export function envdRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const req = request(url, { method: options.method ?? "GET", headers: { ...options.headers }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        res.socket?.destroy();
        agent.destroy();
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
      });
      res.on("error", reject);
    });
    req.on("close", () => agent.destroy());
    req.setTimeout(options.timeoutMs ?? 5000, () => req.destroy(new Error(`no answer from ${url} within ${options.timeoutMs ?? 5000} ms`)));
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Polls envd's /health every few ms until it answers; returns its version. */
export async function waitForEnvd(baseUrl: string, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    try {
      const res = await envdRequest(`${baseUrl}/health`, { timeoutMs: 1000 });
      if (res.status === 200) return (JSON.parse(res.body) as { version: string }).version;
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new WrennError("timeout", `envd did not become ready within ${timeoutMs} ms (last error: ${lastError})`);
}

export interface InitBody {
  accessToken: string;
  envVars: Record<string, string>;
  defaultUser?: string;
  defaultWorkdir?: string;
  memoryLimitMb: number;
}

/** POST /init: hands envd its (new) token, env vars, default user, the wall clock and the memory limit. */
export async function initEnvd(baseUrl: string, body: InitBody, currentToken?: string): Promise<void> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (currentToken) headers["x-access-token"] = currentToken;
  const payload: Record<string, unknown> = { ...body, timestamp: new Date().toISOString() };
  if (!body.defaultUser) delete payload.defaultUser;
  if (!body.defaultWorkdir) delete payload.defaultWorkdir;
  const res = await envdRequest(`${baseUrl}/init`, { method: "POST", headers, body: JSON.stringify(payload), timeoutMs: 10_000 });
  if (res.status !== 204 && res.status !== 200) {
    let message = res.body;
    try {
      message = (JSON.parse(res.body) as { message: string }).message;
    } catch {
      // Not JSON: keep the raw body.
    }
    const code = res.status === 400 ? "invalid_request" : "agent_error";
    throw new WrennError(code, `envd rejected /init: ${message}`);
  }
}

/** POST /snapshot/prepare: envd syncs, drops caches and quiesces until the next /init. */
export async function prepareSnapshot(baseUrl: string, token: string): Promise<void> {
  const res = await envdRequest(`${baseUrl}/snapshot/prepare`, { method: "POST", headers: { "x-access-token": token }, timeoutMs: 30_000 });
  if (res.status !== 204 && res.status !== 200) throw new WrennError("agent_error", `envd /snapshot/prepare answered ${res.status}: ${res.body}`);
}
