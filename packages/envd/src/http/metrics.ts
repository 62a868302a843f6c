/** Guest metrics: CPU sampled every second, memory from /proc/meminfo, disk of `/`. (stub) */
export class GuestMetrics {
  start(): void {}
  stop(): void {}
}
