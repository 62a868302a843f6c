import { Code, ConnectError } from "@connectrpc/connect";
import { capsuleInfo, networkPolicy } from "./convert.js";
import type { Handlers, RpcDeps } from "./handlers.js";
import { capsuleId, templateName } from "./validate.js";

/** Create, destroy, pause, resume, ping, list, network policy: straight to the capsule manager. */
export function lifecycleHandlers({ capsules }: RpcDeps): Handlers<
  "createCapsule" | "destroyCapsule" | "pauseCapsule" | "resumeCapsule" | "pingCapsule" | "listCapsules" | "updateNetworkPolicy"
> {
  return {
    async createCapsule(req, ctx) {
      const record = await capsules.create(
        {
          id: capsuleId(req.capsuleId),
          template: templateName(req.template),
          vcpus: req.vcpus,
          memoryMb: req.memoryMb,
          diskMb: req.diskMb,
          timeoutSec: req.timeoutSec,
          envs: req.envs,
          network: networkPolicy(req.network),
          metadata: req.metadata,
          defaultUser: req.defaultUser,
          defaultWorkdir: req.defaultWorkdir,
        },
        ctx.signal,
      );
      // The caller went away while the create finished: nobody will ever use or delete it.
      if (ctx.signal.aborted) {
        await capsules.destroy(record.id).catch(() => {});
        throw new ConnectError("the caller cancelled the create; the capsule was destroyed", Code.Canceled);
      }
      return { capsule: capsuleInfo(record), fromWarmPool: record.fromWarmPool ?? false };
    },

    async destroyCapsule(req) {
      await capsules.destroy(capsuleId(req.capsuleId));
      return {};
    },

    async pauseCapsule(req) {
      return { capsule: capsuleInfo(await capsules.pause(capsuleId(req.capsuleId))) };
    },

    async resumeCapsule(req) {
      return { capsule: capsuleInfo(await capsules.resume(capsuleId(req.capsuleId), req.timeoutSec || undefined)) };
    },

    pingCapsule(req) {
      return { capsule: capsuleInfo(capsules.ping(capsuleId(req.capsuleId), req.timeoutSec)) };
    },

    listCapsules() {
      const { capsules: records, autoPausedIds } = capsules.list();
      return { capsules: records.map(capsuleInfo), autoPausedIds };
    },

    async updateNetworkPolicy(req) {
      return { capsule: capsuleInfo(await capsules.updateNetwork(capsuleId(req.capsuleId), networkPolicy(req.network))) };
    },
  };
}
