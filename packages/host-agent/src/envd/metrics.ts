import type { EnvdConnection } from "./connection.js";
import { ensureOk, readAll } from "./http.js";

/** The part of envd's `GET /metrics` answer the agent uses (bytes; CPU 0..100 of all guest CPUs). */
export interface GuestMetrics {
  cpuUsedPct: number;
  memUsed: number;
  memTotal: number;
}

/** One `GET /metrics` from envd. */
export async function fetchGuestMetrics(envd: EnvdConnection, signal?: AbortSignal): Promise<GuestMetrics> {
  const res = await envd.request({ method: "GET", path: "/metrics", signal });
  await ensureOk(res, "GET /metrics");
  const body = JSON.parse((await readAll(res.body, 64 << 10, () => new Error("envd metrics answer is over 64 KiB"))).toString("utf8")) as Record<
    string,
    unknown
  >;
  const num = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);
  return { cpuUsedPct: num(body.cpu_used_pct), memUsed: num(body.mem_used), memTotal: num(body.mem_total) };
}
