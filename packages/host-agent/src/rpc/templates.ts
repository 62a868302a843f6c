import { Code, ConnectError } from "@connectrpc/connect";
import { capsuleInfo, templateInfo } from "./convert.js";
import type { Handlers, RpcDeps } from "./handlers.js";
import { capsuleId, templateName } from "./validate.js";

/** Snapshots and templates: straight to the capsule manager. */
export function templateHandlers({ capsules }: RpcDeps): Handlers<"createSnapshot" | "deleteSnapshot" | "listTemplates" | "buildTemplate"> {
  return {
    async createSnapshot(req) {
      const id = capsuleId(req.capsuleId);
      const name = req.name ? templateName(req.name, "name") : "";
      const { template, capsule } = await capsules.createSnapshot(id, name, req.overwrite);
      return { template: templateInfo(template), capsule: capsuleInfo(capsule) };
    },

    async deleteSnapshot(req) {
      await capsules.deleteSnapshot(templateName(req.name, "name"));
      return {};
    },

    async listTemplates() {
      return { templates: (await capsules.listTemplates()).map(templateInfo) };
    },

    // eslint-disable-next-line require-yield
    async *buildTemplate() {
      throw new ConnectError("this host agent cannot build templates yet: build on a host whose agent supports BuildTemplate", Code.Unimplemented);
    },
  };
}
