import { Code, ConnectError } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { WarmPoolInfoSchema } from "@wrenn/proto/hostagent/v1";
import type { WarmPoolStatus } from "../capsules/warm-pool.js";
import { u64 } from "./convert.js";
import type { Handlers, RpcDeps, WarmPoolService } from "./handlers.js";
import { templateName } from "./validate.js";

/** Warm pools: straight to the capsule manager's pools. */
export function warmPoolHandlers({ pools }: RpcDeps): Handlers<"setWarmPool" | "listWarmPools"> {
  const service = (): WarmPoolService => {
    if (!pools) throw new ConnectError("this host agent keeps no warm pools", Code.Unimplemented);
    return pools;
  };
  return {
    async setWarmPool(req) {
      const key = { template: templateName(req.template), vcpus: req.vcpus, memoryMb: req.memoryMb };
      return { pool: warmPoolInfo(await service().setWarmPool(key, req.size)) };
    },

    listWarmPools() {
      return { pools: service().listWarmPools().map(warmPoolInfo) };
    },
  };
}

function warmPoolInfo(pool: WarmPoolStatus): MessageInitShape<typeof WarmPoolInfoSchema> {
  return {
    template: pool.template,
    vcpus: pool.vcpus,
    memoryMb: pool.memoryMb,
    size: pool.size,
    ready: pool.ready,
    starting: pool.starting,
    claimed: u64(pool.claimed),
    lastError: pool.lastError,
  };
}
