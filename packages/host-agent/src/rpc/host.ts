import { MetricsTier } from "@wrenn/proto/hostagent/v1";
import type { Tier } from "../metrics/ring.js";
import { metricPoint, u64 } from "./convert.js";
import type { Handlers, RpcDeps } from "./handlers.js";
import { capsuleId } from "./validate.js";

const tiers: Record<MetricsTier, Tier> = {
  [MetricsTier.METRICS_TIER_UNSPECIFIED]: "1s",
  [MetricsTier.METRICS_TIER_1S]: "1s",
  [MetricsTier.METRICS_TIER_30S]: "30s",
  [MetricsTier.METRICS_TIER_5M]: "5m",
};

/** Capsule metrics, host stats and shutdown: straight to the capsule manager. */
export function hostHandlers({ capsules }: RpcDeps): Handlers<"getCapsuleMetrics" | "flushCapsuleMetrics" | "getHostStats" | "terminate"> {
  return {
    getCapsuleMetrics(req) {
      return { points: capsules.metrics(capsuleId(req.capsuleId), tiers[req.tier] ?? "1s").map(metricPoint) };
    },

    flushCapsuleMetrics(req) {
      const flushed = capsules.flushMetrics(capsuleId(req.capsuleId));
      return { tier1s: flushed["1s"].map(metricPoint), tier30s: flushed["30s"].map(metricPoint), tier5m: flushed["5m"].map(metricPoint) };
    },

    async getHostStats() {
      const stats = await capsules.hostStats();
      return {
        arch: stats.arch,
        cpuCores: stats.cpuCores,
        memoryTotalBytes: u64(stats.memoryTotalBytes),
        memoryAvailableBytes: u64(stats.memoryAvailableBytes),
        diskTotalBytes: u64(stats.diskTotalBytes),
        diskAvailableBytes: u64(stats.diskAvailableBytes),
        capsulesRunning: stats.capsulesRunning,
        capsulesPaused: stats.capsulesPaused,
        vcpusAllocated: stats.vcpusAllocated,
        memoryAllocatedMb: u64(stats.memoryAllocatedMb),
        load1m: stats.load1m,
        agentVersion: stats.agentVersion,
        runtime: stats.runtime,
        capsulesWarm: stats.capsulesWarm ?? 0,
        capsulesBuilding: stats.capsulesBuilding ?? 0,
      };
    },

    async terminate(req) {
      await capsules.terminate(req.pauseCapsules);
      return {};
    },
  };
}
