import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { CapsuleStatus } from "../capsules/types.js";

export type CapsuleOperation = "create" | "pause" | "resume" | "snapshot" | "destroy";

export interface AgentMetricsOptions {
  /**
   * Capsules held right now, by status. Called on every scrape; it must not be
   * `CapsuleService.list()`, which hands out (and forgets) the auto-paused ids.
   */
  capsuleStatuses?: () => Partial<Record<CapsuleStatus, number>>;
}

const capsuleStatuses: CapsuleStatus[] = ["pending", "running", "pausing", "paused", "resuming", "stopped", "error"];

/**
 * The agent's Prometheus metrics, on its own registry (no global state): process
 * metrics, capsules by status, RPC calls by method and code, and capsule operation
 * durations, which the capsule manager reports through `observeOperation`.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  private readonly rpcCalls: Counter<"method" | "code">;
  private readonly rpcSeconds: Histogram<"method" | "code">;
  private readonly operationSeconds: Histogram<"operation" | "outcome">;

  constructor(options: AgentMetricsOptions = {}) {
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.rpcCalls = new Counter({
      name: "wrenn_agent_rpc_requests_total",
      help: "Host agent RPC calls by method and Connect code",
      labelNames: ["method", "code"],
      registers,
    });
    this.rpcSeconds = new Histogram({
      name: "wrenn_agent_rpc_duration_seconds",
      help: "Host agent RPC duration (streams: until the stream ends) by method and code",
      labelNames: ["method", "code"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.operationSeconds = new Histogram({
      name: "wrenn_capsule_operation_duration_seconds",
      help: "Capsule create, pause, resume, snapshot and destroy durations",
      labelNames: ["operation", "outcome"],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
      registers,
    });
    const statuses = options.capsuleStatuses;
    new Gauge({
      name: "wrenn_capsules",
      help: "Capsules held by this agent, by status",
      labelNames: ["status"],
      registers,
      collect() {
        if (!statuses) return;
        const counts = statuses();
        for (const status of capsuleStatuses) this.set({ status }, counts[status] ?? 0);
      },
    });
  }

  /** Hook for the capsule manager (same shape as its OperationObserver). */
  readonly observeOperation = (operation: CapsuleOperation, seconds: number, ok: boolean): void => {
    this.operationSeconds.observe({ operation, outcome: ok ? "ok" : "error" }, seconds);
  };

  /** Counts and times every RPC; install it outside the error mapping so it sees final codes. */
  readonly rpcInterceptor: Interceptor = (next) => async (req) => {
    const method = req.method.name;
    const began = performance.now();
    const record = (err?: unknown): void => {
      const code = err === undefined ? "ok" : codeToString(ConnectError.from(err).code);
      this.rpcCalls.inc({ method, code });
      this.rpcSeconds.observe({ method, code }, (performance.now() - began) / 1000);
    };
    let res;
    try {
      res = await next(req);
    } catch (err) {
      record(err);
      throw err;
    }
    if (!res.stream) {
      record();
      return res;
    }
    const messages = res.message;
    return {
      ...res,
      message: (async function* () {
        let recorded = false;
        try {
          yield* messages;
          recorded = true;
          record();
        } catch (err) {
          recorded = true;
          record(err);
          throw err;
        } finally {
          // The caller went away mid-stream.
          if (!recorded) record(new ConnectError("stream abandoned by the caller", Code.Canceled));
        }
      })(),
    };
  };

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
