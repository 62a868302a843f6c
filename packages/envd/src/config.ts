import { parseArgs } from "node:util";

export interface EnvdConfig {
  port: number;
  /** Address to listen on; all interfaces by default (the capsule's netns is private). */
  host: string;
  /**
   * Developer mode: envd runs directly on a machine, not inside a capsule. Capsule-only
   * duties (page-cache reclaimer, port forwarder) stay off unless asked for explicitly.
   */
  dev: boolean;
  /** Memory reclaimer: run every `reclaimIntervalMs`; drop the page cache at `reclaimThresholdPct`. */
  reclaim: boolean;
  reclaimIntervalMs: number;
  reclaimThresholdPct: number;
  /** Port forwarder: expose loopback-only listeners on the capsule's external addresses. */
  forwardPorts: boolean;
  forwardScanIntervalMs: number;
  /** Largest Connect message accepted, in bytes. */
  maxMessageBytes: number;
}

export const ENVD_DEFAULT_PORT = 49983;

const usage = `Usage: envd [--port 49983] [--host 0.0.0.0] [--dev]
            [--reclaim | --no-reclaim] [--reclaim-interval-ms 10000] [--reclaim-threshold-pct 80]
            [--forward-ports | --no-forward-ports] [--forward-scan-interval-ms 1000]`;

function intOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`--${name} must be an integer from ${min} to ${max}, got "${raw}"\n${usage}`);
  }
  return value;
}

export function parseConfig(argv: string[]): EnvdConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      dev: { type: "boolean", default: false },
      reclaim: { type: "boolean" },
      "no-reclaim": { type: "boolean" },
      "reclaim-interval-ms": { type: "string" },
      "reclaim-threshold-pct": { type: "string" },
      "forward-ports": { type: "boolean" },
      "no-forward-ports": { type: "boolean" },
      "forward-scan-interval-ms": { type: "string" },
      "max-message-bytes": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) throw new Error(usage);
  const dev = values.dev ?? false;
  const pick = (on: boolean | undefined, off: boolean | undefined): boolean =>
    off ? false : on ? true : !dev;
  return {
    port: intOption("port", values.port, ENVD_DEFAULT_PORT, 0, 65535),
    host: values.host ?? "0.0.0.0",
    dev,
    reclaim: pick(values.reclaim, values["no-reclaim"]),
    reclaimIntervalMs: intOption("reclaim-interval-ms", values["reclaim-interval-ms"], 10_000, 10, 3_600_000),
    reclaimThresholdPct: intOption("reclaim-threshold-pct", values["reclaim-threshold-pct"], 80, 0, 100),
    forwardPorts: pick(values["forward-ports"], values["no-forward-ports"]),
    forwardScanIntervalMs: intOption("forward-scan-interval-ms", values["forward-scan-interval-ms"], 1000, 10, 60_000),
    maxMessageBytes: intOption("max-message-bytes", values["max-message-bytes"], 16 * 1024 * 1024, 1024, 1 << 30),
  };
}
