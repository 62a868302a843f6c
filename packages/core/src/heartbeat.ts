/** A host's figures as heartbeats carry them, and as the control plane keeps them (hosts.stats). */
export interface HeartbeatStats {
  cpu_percent: number;
  memory_total_mb: number;
  memory_used_mb: number;
  disk_total_gb: number;
  disk_free_gb: number;
  capsules_running: number;
  capsules_paused: number;
  /** Everything running counts, the agent's own warm-pool spares and builds included. */
  vcpus_allocated: number;
  memory_allocated_mb: number;
  load_1m: number;
  agent_version: string;
}

/** The agent's host stats (its own type, or GetHostStats over the wire) as heartbeat figures. */
export function heartbeatStatsOf(stats: {
  cpuCores: number;
  load1m: number;
  memoryTotalBytes: number | bigint;
  memoryAvailableBytes: number | bigint;
  diskTotalBytes: number | bigint;
  diskAvailableBytes: number | bigint;
  capsulesRunning: number;
  capsulesPaused: number;
  vcpusAllocated: number;
  memoryAllocatedMb: number | bigint;
  agentVersion: string;
}): HeartbeatStats {
  const mb = 1024 * 1024;
  const total = Number(stats.memoryTotalBytes);
  return {
    cpu_percent: stats.cpuCores > 0 ? Math.min(100, Math.round((stats.load1m / stats.cpuCores) * 100)) : 0,
    memory_total_mb: Math.floor(total / mb),
    memory_used_mb: Math.floor((total - Number(stats.memoryAvailableBytes)) / mb),
    disk_total_gb: Math.floor(Number(stats.diskTotalBytes) / 1024 / mb),
    disk_free_gb: Math.floor(Number(stats.diskAvailableBytes) / 1024 / mb),
    capsules_running: stats.capsulesRunning,
    capsules_paused: stats.capsulesPaused,
    vcpus_allocated: stats.vcpusAllocated,
    memory_allocated_mb: Number(stats.memoryAllocatedMb),
    load_1m: stats.load1m,
    agent_version: stats.agentVersion,
  };
}
