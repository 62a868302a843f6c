import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { EnvdConfig } from "./config.js";
import type { EnvdState } from "./state.js";
import type { UserDirectory } from "./users.js";
import type { Logger } from "./log.js";
import type { ProcessManager } from "./process/manager.js";
import type { WatcherRegistry } from "./filesystem/watchers.js";
import type { GuestMetrics } from "./http/metrics.js";
import type { DropPageCache, Reclaimer } from "./reclaimer.js";
import type { PortForwarder } from "./port-forward/forwarder.js";

/** Everything a handler needs, built once in main.ts and passed down. */
export interface EnvdContext {
  config: EnvdConfig;
  state: EnvdState;
  users: UserDirectory;
  log: Logger;
  processes: ProcessManager;
  watchers: WatcherRegistry;
  metrics: GuestMetrics;
  /** Shared by the reclaimer and `/snapshot/prepare`. */
  dropPageCache: DropPageCache;
  /** Started only when `config.reclaim`. */
  reclaimer: Reclaimer;
  /** Started only when `config.forwardPorts`. */
  forwarder: PortForwarder;
}

export type EnvdRequest = IncomingMessage | Http2ServerRequest;
export type EnvdResponse = ServerResponse | Http2ServerResponse;

/** A plain-HTTP endpoint. Errors thrown here become `{"code","message"}` responses. */
export type HttpHandler = (req: EnvdRequest, res: EnvdResponse, ctx: EnvdContext, url: URL) => Promise<void> | void;
