import { parseArgs } from "node:util";
import { parseWarmPools, type PoolKey } from "./capsules/warm-pool.js";

export interface AgentConfig {
  /** Everything the agent writes lives here. */
  wrennDir: string;
  host: string;
  port: number;
  runsc: string;
  /** Forces a gVisor platform instead of measuring (systrap, ptrace, kvm). */
  platform: string | undefined;
  /** Address pool for capsule networks. */
  networkPool: string;
  /**
   * iptables chain prefix (namespaces use it in lower case) and host veth prefix: agents
   * sharing a host (tests) each need their own, or they rewrite each other's chains.
   */
  chainPrefix: string | undefined;
  vethPrefix: string | undefined;
  /** Templates built (if missing) before the agent accepts calls. */
  prebuild: string[];
  /** Idle-reaper period. */
  reapIntervalMs: number;
  debianMirror: string | undefined;
  envdBundle: string | undefined;
  /** Warm pools to keep where none was set over RPC (WRENN_WARM_POOLS). */
  warmPools: (PoolKey & { size: number })[];
  /** Claimed warm-pool capsules keep the spare's hostname (WRENN_WARM_POOL_HOSTNAME=keep; default "rename"). */
  keepSpareHostname: boolean;
  /** Fleet: a one-time registration token to join a control plane with (`--register`). */
  registrationToken: string | undefined;
  /** Fleet: where the control plane reaches this agent, host:port (`--address`). */
  address: string | undefined;
  /** Fleet: the control plane's public URL (`--control-plane`, WRENN_CONTROL_PLANE_URL). */
  controlPlaneUrl: string | undefined;
  /** Fleet: seconds between heartbeats (WRENN_HEARTBEAT_INTERVAL_SEC, default 30). */
  heartbeatIntervalSec: number;
  /** Host resources offered at registration, when lower than the machine's (WRENN_HOST_CPU_CORES, WRENN_HOST_MEMORY_MB, WRENN_HOST_DISK_GB). */
  offer: { cpu_cores?: number; memory_mb?: number; disk_gb?: number };
  /** --host or --port was given: listen there even when registered (else on the registered address). */
  listenExplicit: boolean;
}

export const AGENT_DEFAULT_PORT = 9726;

const usage = `Usage: wrenn-agent [--port ${AGENT_DEFAULT_PORT}] [--host 127.0.0.1] [--data-dir /var/lib/wrenn]
                   [--register <token> --address <ip:port> --control-plane <url>]
Joining a fleet: --register with the one-time token from POST /v1/hosts (or the dashboard's
Hosts page) and --address where the control plane reaches this agent; the credentials are
kept under <data-dir>/host/ and later starts need no flags. Registered agents serve mTLS.
Environment: WRENN_DIR, WRENN_AGENT_HOST, WRENN_AGENT_PORT, WRENN_RUNSC, WRENN_RUNSC_PLATFORM,
             WRENN_NETWORK_POOL, WRENN_CHAIN_PREFIX (default WRENN), WRENN_VETH_PREFIX (default wr),
             WRENN_PREBUILD_TEMPLATES (comma list, default "minimal"),
             WRENN_DEBIAN_MIRROR, WRENN_ENVD_BUNDLE,
             WRENN_WARM_POOLS (template:vcpus:memory_mb:size, comma list, e.g. "minimal:1:512:2"),
             WRENN_WARM_POOL_HOSTNAME (rename | keep, default rename),
             WRENN_CONTROL_PLANE_URL, WRENN_HEARTBEAT_INTERVAL_SEC (default 30),
             WRENN_HOST_CPU_CORES, WRENN_HOST_MEMORY_MB, WRENN_HOST_DISK_GB (offer less than the machine)`;

/** Flags win over environment variables, which win over defaults. */
export function parseAgentConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "data-dir": { type: "string" },
      register: { type: "string" },
      address: { type: "string" },
      "control-plane": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) throw new Error(usage);
  const portText = values.port ?? env.WRENN_AGENT_PORT ?? String(AGENT_DEFAULT_PORT);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer from 0 to 65535, got "${portText}"\n${usage}`);
  const reap = Number(env.WRENN_REAP_INTERVAL_MS ?? 1000);
  const registrationToken = values.register;
  const address = values.address;
  const controlPlaneUrl = values["control-plane"] ?? env.WRENN_CONTROL_PLANE_URL;
  if (registrationToken !== undefined) {
    if (!address) throw new Error(`--register needs --address <ip:port>: where the control plane reaches this agent\n${usage}`);
    if (!/^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+):\d{1,5}$/.test(address)) throw new Error(`--address must be host:port, e.g. 10.0.0.5:9726; got "${address}"`);
    if (!controlPlaneUrl || !/^https?:\/\//.test(controlPlaneUrl)) throw new Error(`--register needs --control-plane <url> (or WRENN_CONTROL_PLANE_URL), e.g. https://wrenn.example.com\n${usage}`);
  }
  return {
    wrennDir: values["data-dir"] ?? env.WRENN_DIR ?? "/var/lib/wrenn",
    host: values.host ?? env.WRENN_AGENT_HOST ?? "127.0.0.1",
    port,
    runsc: env.WRENN_RUNSC ?? "/usr/local/bin/runsc",
    platform: env.WRENN_RUNSC_PLATFORM || undefined,
    networkPool: env.WRENN_NETWORK_POOL ?? "10.11.0.0/16",
    chainPrefix: env.WRENN_CHAIN_PREFIX || undefined,
    vethPrefix: env.WRENN_VETH_PREFIX || undefined,
    prebuild: (env.WRENN_PREBUILD_TEMPLATES ?? "minimal").split(",").map((s) => s.trim()).filter(Boolean),
    reapIntervalMs: Number.isInteger(reap) && reap >= 50 ? reap : 1000,
    debianMirror: env.WRENN_DEBIAN_MIRROR || undefined,
    envdBundle: env.WRENN_ENVD_BUNDLE || undefined,
    warmPools: parseWarmPools(env.WRENN_WARM_POOLS ?? ""),
    keepSpareHostname: hostnameMode(env.WRENN_WARM_POOL_HOSTNAME),
    registrationToken,
    address,
    controlPlaneUrl,
    heartbeatIntervalSec: positiveInt(env.WRENN_HEARTBEAT_INTERVAL_SEC, 30, "WRENN_HEARTBEAT_INTERVAL_SEC")!,
    offer: {
      ...optional("cpu_cores", positiveInt(env.WRENN_HOST_CPU_CORES, undefined, "WRENN_HOST_CPU_CORES")),
      ...optional("memory_mb", positiveInt(env.WRENN_HOST_MEMORY_MB, undefined, "WRENN_HOST_MEMORY_MB")),
      ...optional("disk_gb", positiveInt(env.WRENN_HOST_DISK_GB, undefined, "WRENN_HOST_DISK_GB")),
    },
    listenExplicit: values.host !== undefined || values.port !== undefined || env.WRENN_AGENT_HOST !== undefined || env.WRENN_AGENT_PORT !== undefined,
  };
}

function hostnameMode(value: string | undefined): boolean {
  if (!value || value === "rename") return false;
  if (value === "keep") return true;
  throw new Error(`WRENN_WARM_POOL_HOSTNAME must be "rename" or "keep", got "${value}"\n${usage}`);
}

function positiveInt(value: string | undefined, fallback: number | undefined, name: string): number | undefined {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${value}"`);
  return n;
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}
