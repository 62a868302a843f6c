import type { Logger } from "../capsules/internals.js";
import { ControlPlaneError, heartbeat, refresh, type HeartbeatAnswer } from "./control-plane-client.js";
import { forgetCredentials, saveCredentials, type HostCredentials } from "./credentials.js";

export interface HeartbeatLoop {
  /** One heartbeat now (tests, and right after start). */
  beat(): Promise<void>;
  stop(): Promise<void>;
}

export interface HeartbeatOptions {
  wrennDir: string;
  credentials: HostCredentials;
  intervalMs: number;
  stats: () => Promise<Record<string, unknown>>;
  /** A renewed certificate arrived (already saved): serve it from now on. */
  onCertificate: (credentials: HostCredentials) => void;
  /** The control plane deleted this host: credentials are forgotten; the agent should stop. */
  onDeleted: () => void;
  log: Logger;
}

/**
 * The agent's side of host liveness: a heartbeat with stats every interval. An expired or
 * refused host token is refreshed (the refresh token rotates and is saved at once); when
 * the control plane cannot be reached the capsules keep running and the next beat
 * retries; a deleted host (404) forgets its credentials and asks to be stopped.
 */
export function startHeartbeats(options: HeartbeatOptions): HeartbeatLoop {
  const { log } = options;
  let credentials = options.credentials;
  let stopped = false;
  let inFlight: Promise<void> | undefined;
  let unreachableSince: number | undefined;

  const send = async (): Promise<HeartbeatAnswer> => {
    const stats = await options.stats();
    try {
      return await heartbeat(credentials, stats);
    } catch (err) {
      if (!(err instanceof ControlPlaneError) || err.status !== 401) throw err;
      log.info("host token refused; refreshing it", { hostId: credentials.host_id, reason: err.message });
      const next = await refresh(credentials);
      credentials = { ...credentials, token: next.token, refresh_token: next.refresh_token };
      await saveCredentials(options.wrennDir, credentials);
      return heartbeat(credentials, stats);
    }
  };

  const once = async (): Promise<void> => {
    try {
      const answer = await send();
      if (unreachableSince !== undefined) log.info("control plane reachable again", { afterMs: Date.now() - unreachableSince });
      unreachableSince = undefined;
      if (answer.certificate) {
        credentials = { ...credentials, cert_pem: answer.certificate.cert_pem, key_pem: answer.certificate.key_pem, ca_cert_pem: answer.certificate.ca_cert_pem };
        await saveCredentials(options.wrennDir, credentials);
        log.info("certificate renewed", { expiresAt: answer.certificate.expires_at });
        options.onCertificate(credentials);
      }
    } catch (err) {
      if (err instanceof ControlPlaneError && err.status === 404) {
        log.warn("the control plane deleted this host; forgetting credentials and shutting down", { hostId: credentials.host_id });
        stopped = true;
        await forgetCredentials(options.wrennDir);
        options.onDeleted();
        return;
      }
      unreachableSince ??= Date.now();
      log.warn("heartbeat failed; capsules keep running and the next beat retries", {
        error: (err as Error).message,
        ...(err instanceof ControlPlaneError ? { status: err.status, code: err.code } : {}),
      });
    }
  };

  const beat = async (): Promise<void> => {
    while (inFlight) await inFlight;
    if (stopped) return;
    inFlight = once().finally(() => (inFlight = undefined));
    return inFlight;
  };

  const timer = setInterval(() => {
    if (!inFlight && !stopped) void beat();
  }, options.intervalMs);
  timer.unref();
  return {
    beat,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight;
    },
  };
}
