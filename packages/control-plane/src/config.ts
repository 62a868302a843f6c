import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { placementPolicyFromEnv, type PlacementPolicy } from "./services/fleet/placement.js";
import { loadEncryptionKey } from "./services/channels/crypto.js";

export interface SmtpConfig {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  from: string;
}

export interface ControlPlaneConfig {
  host: string;
  port: number;
  dataDir: string;
  /** PostgreSQL URL; unset = embedded PGlite under dataDir. */
  databaseUrl?: string;
  /**
   * A static host agent reached over plain HTTP on a trusted link (`wrenn up`, simple split
   * mode): it joins the fleet as a host without registering. Registered agents need none.
   */
  agentUrl?: string;
  /** A registered host silent this long is unreachable and its capsules missing. */
  heartbeatTimeoutSec: number;
  /** Seconds between host-monitor passes (static agents are probed then). */
  hostMonitorIntervalSec: number;
  /** Lifetime of host JWTs (agents refresh them with their refresh token). */
  hostTokenTtlSec: number;
  /** Lifetime of mTLS certificates (agents' and the control plane's); renewed at two thirds. */
  hostCertValidSec: number;
  /** Reserves, overcommit and paused weights for capsule placement (WRENN_RESERVE_*, WRENN_*_OVERCOMMIT). */
  placement: PlacementPolicy;
  /** HS256 secret for user JWTs (≥ 32 bytes). */
  jwtSecret: Uint8Array;
  /** Public base URL, used in e-mailed links. */
  publicUrl: string;
  /** Domain for host-based port URLs: `{port}-{capsuleId}.{domain}`. */
  domain: string;
  smtp?: SmtpConfig;
  /** Seconds between reconciler passes; 0 disables it. */
  reconcileIntervalSec: number;
  /** Seconds between team usage samples (stats, daily usage); 0 disables the sampler. */
  teamSampleIntervalSec: number;
  /** Log level for pino. */
  logLevel: string;
  /** Addresses/CIDRs of reverse proxies whose X-Forwarded-For is believed (WRENN_TRUST_PROXY, comma list); default none. */
  trustProxy?: string[];
  /** The dashboard's static files; default: packages/dashboard/dist of this checkout. */
  dashboardDir?: string;
  /** AES-256 key for secrets at rest (channel configs): WRENN_ENCRYPTION_KEY or `<dataDir>/encryption-key`. */
  encryptionKey: Uint8Array;
  /** Telegram Bot API base URL (WRENN_TELEGRAM_API_URL); default https://api.telegram.org. */
  telegramApiUrl?: string;
  /** Channels may send to private and loopback addresses (WRENN_CHANNELS_ALLOW_PRIVATE=true); default: public only. */
  channelsAllowPrivate: boolean;
}

/** The JWT secret persists in the data directory so tokens survive restarts. */
function loadJwtSecret(dataDir: string, fromEnv: string | undefined): Uint8Array {
  if (fromEnv) {
    if (fromEnv.length < 32) throw new Error("WRENN_JWT_SECRET must be at least 32 characters");
    return new TextEncoder().encode(fromEnv);
  }
  const file = join(dataDir, "jwt-secret");
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(48).toString("base64url"), { mode: 0o600, flag: "wx" });
  }
  return new TextEncoder().encode(readFileSync(file, "utf8").trim());
}

function intFrom(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

function booleanFrom(value: string | undefined, name: string): boolean {
  if (value === undefined || value === "" || value === "false") return false;
  if (value === "true") return true;
  throw new Error(`${name} must be "true" or "false", got "${value}"`);
}

function positive(n: number, name: string): number {
  if (n < 1) throw new Error(`${name} must be at least 1`);
  return n;
}

/** Configuration from environment variables (documented in the README), with overrides. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ControlPlaneConfig> = {}): ControlPlaneConfig {
  const dataDir = overrides.dataDir ?? env.WRENN_DATA_DIR ?? "/var/lib/wrenn";
  const host = overrides.host ?? env.WRENN_CP_HOST ?? "127.0.0.1";
  const port = overrides.port ?? intFrom(env.WRENN_CP_PORT, 9725, "WRENN_CP_PORT");
  const smtpHost = env.WRENN_SMTP_HOST;
  const databaseUrl = overrides.databaseUrl ?? env.DATABASE_URL;
  return {
    host,
    port,
    dataDir,
    ...(databaseUrl ? { databaseUrl } : {}),
    ...((overrides.agentUrl ?? env.WRENN_AGENT_URL) ? { agentUrl: overrides.agentUrl ?? env.WRENN_AGENT_URL } : {}),
    heartbeatTimeoutSec: overrides.heartbeatTimeoutSec ?? positive(intFrom(env.WRENN_HEARTBEAT_TIMEOUT_SEC, 90, "WRENN_HEARTBEAT_TIMEOUT_SEC"), "WRENN_HEARTBEAT_TIMEOUT_SEC"),
    hostMonitorIntervalSec: overrides.hostMonitorIntervalSec ?? positive(intFrom(env.WRENN_HOST_MONITOR_INTERVAL_SEC, 10, "WRENN_HOST_MONITOR_INTERVAL_SEC"), "WRENN_HOST_MONITOR_INTERVAL_SEC"),
    hostTokenTtlSec: overrides.hostTokenTtlSec ?? positive(intFrom(env.WRENN_HOST_TOKEN_TTL_SEC, 3600, "WRENN_HOST_TOKEN_TTL_SEC"), "WRENN_HOST_TOKEN_TTL_SEC"),
    placement: overrides.placement ?? placementPolicyFromEnv(env),
    hostCertValidSec: overrides.hostCertValidSec ?? positive(intFrom(env.WRENN_HOST_CERT_VALID_SEC, 30 * 86400, "WRENN_HOST_CERT_VALID_SEC"), "WRENN_HOST_CERT_VALID_SEC"),
    jwtSecret: overrides.jwtSecret ?? loadJwtSecret(dataDir, env.WRENN_JWT_SECRET),
    publicUrl: overrides.publicUrl ?? env.WRENN_PUBLIC_URL ?? `http://${host}:${port}`,
    domain: overrides.domain ?? env.WRENN_DOMAIN ?? "localhost",
    ...(overrides.smtp
      ? { smtp: overrides.smtp }
      : smtpHost
        ? {
            smtp: {
              host: smtpHost,
              port: intFrom(env.WRENN_SMTP_PORT, 587, "WRENN_SMTP_PORT"),
              secure: env.WRENN_SMTP_SECURE === "true",
              ...(env.WRENN_SMTP_USER ? { user: env.WRENN_SMTP_USER } : {}),
              ...(env.WRENN_SMTP_PASSWORD ? { password: env.WRENN_SMTP_PASSWORD } : {}),
              from: env.WRENN_SMTP_FROM ?? "Wrenn <wrenn@localhost>",
            },
          }
        : {}),
    reconcileIntervalSec: overrides.reconcileIntervalSec ?? intFrom(env.WRENN_RECONCILE_INTERVAL_SEC, 5, "WRENN_RECONCILE_INTERVAL_SEC"),
    teamSampleIntervalSec: overrides.teamSampleIntervalSec ?? intFrom(env.WRENN_TEAM_SAMPLE_INTERVAL_SEC, 10, "WRENN_TEAM_SAMPLE_INTERVAL_SEC"),
    logLevel: overrides.logLevel ?? env.WRENN_LOG_LEVEL ?? "info",
    ...((overrides.trustProxy ?? env.WRENN_TRUST_PROXY)
      ? { trustProxy: overrides.trustProxy ?? env.WRENN_TRUST_PROXY!.split(",").map((s) => s.trim()).filter(Boolean) }
      : {}),
    ...((overrides.dashboardDir ?? env.WRENN_DASHBOARD_DIR) ? { dashboardDir: overrides.dashboardDir ?? env.WRENN_DASHBOARD_DIR } : {}),
    encryptionKey: overrides.encryptionKey ?? loadEncryptionKey(dataDir, env.WRENN_ENCRYPTION_KEY),
    channelsAllowPrivate: overrides.channelsAllowPrivate ?? booleanFrom(env.WRENN_CHANNELS_ALLOW_PRIVATE, "WRENN_CHANNELS_ALLOW_PRIVATE"),
    ...((overrides.telegramApiUrl ?? env.WRENN_TELEGRAM_API_URL) ? { telegramApiUrl: overrides.telegramApiUrl ?? env.WRENN_TELEGRAM_API_URL } : {}),
  };
}
