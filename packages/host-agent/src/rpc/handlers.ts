import type { ServiceImpl } from "@connectrpc/connect";
import type { HostAgentService } from "@wrenn/proto/hostagent/v1";
import type { CapsuleService } from "../capsules/types.js";
import type { PoolKey, WarmPoolStatus } from "../capsules/warm-pool.js";
import type { BuildRequest } from "../builds/recipe.js";
import type { BuildEvent } from "../builds/types.js";

/** Limits the RPC layer enforces; every one is named in the error that enforces it. */
export interface RpcLimits {
  /** Exec keeps at most this much stdout and as much stderr. */
  execOutputBytes: number;
  /** Exec's timeout when the request leaves it 0. */
  execDefaultTimeoutSec: number;
  /** Longest timeout Exec accepts. */
  execMaxTimeoutSec: number;
  /** WriteFile / ReadFile size cap (the stream forms have none). */
  unaryFileBytes: number;
  /** ReadFileStream message size. */
  fileChunkBytes: number;
}

export const defaultRpcLimits: RpcLimits = {
  execOutputBytes: 16 << 20,
  execDefaultTimeoutSec: 30,
  execMaxTimeoutSec: 24 * 3600,
  unaryFileBytes: 100 << 20,
  fileChunkBytes: 256 << 10,
};

/** Recipe builds (BuildTemplate). */
export interface TemplateBuildService {
  build(request: BuildRequest, signal: AbortSignal): AsyncIterable<BuildEvent>;
}

/** Warm pools (SetWarmPool, ListWarmPools). */
export interface WarmPoolService {
  setWarmPool(key: PoolKey, size: number): Promise<WarmPoolStatus>;
  listWarmPools(): WarmPoolStatus[];
}

export interface RpcDeps {
  capsules: CapsuleService;
  limits: RpcLimits;
  /** Absent: BuildTemplate answers Unimplemented. */
  builds?: TemplateBuildService;
  /** Absent: the warm-pool calls answer Unimplemented. */
  pools?: WarmPoolService;
}

/** A slice of the service implementation; rpc/service.ts joins the slices. */
export type Handlers<K extends keyof ServiceImpl<typeof HostAgentService>> = Pick<ServiceImpl<typeof HostAgentService>, K>;
