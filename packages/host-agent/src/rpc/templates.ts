import { Code, ConnectError } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { BuildTemplateResponseSchema } from "@wrenn/proto/hostagent/v1";
import type { BuildEvent } from "../builds/types.js";
import { capsuleInfo, templateInfo } from "./convert.js";
import type { Handlers, RpcDeps } from "./handlers.js";
import { capsuleId, templateName } from "./validate.js";

type BuildMessage = MessageInitShape<typeof BuildTemplateResponseSchema>;

/** Snapshots and templates: straight to the capsule manager; builds to the template builder. */
export function templateHandlers({ capsules, builds }: RpcDeps): Handlers<"createSnapshot" | "deleteSnapshot" | "listTemplates" | "buildTemplate"> {
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

    /**
     * Every outcome of the build itself, bad recipes included, ends the stream with
     * `finished` (ok or not); canceling the call cancels the build.
     */
    async *buildTemplate(req, ctx) {
      if (!builds) throw new ConnectError("this host agent cannot build templates: build on a host whose agent supports BuildTemplate", Code.Unimplemented);
      const request = {
        buildId: req.buildId,
        name: req.name,
        baseTemplate: req.baseTemplate,
        steps: req.steps.map((s) => ({ instruction: s.instruction, args: s.args, timeoutSec: s.timeoutSec })),
        healthcheck: req.healthcheck,
        vcpus: req.vcpus,
        memoryMb: req.memoryMb,
        archive: req.archive,
        archiveFormat: req.archiveFormat,
      };
      for await (const event of builds.build(request, ctx.signal)) yield buildMessage(event);
    },
  };
}

function buildMessage(event: BuildEvent): BuildMessage {
  switch (event.type) {
    case "step":
      return { event: { case: "step", value: { index: event.index, instruction: event.instruction, args: event.args } } };
    case "log":
      return { event: { case: "log", value: { step: event.step, data: event.data, stderr: event.stderr } } };
    case "keepalive":
      return { event: { case: "keepalive", value: {} } };
    case "finished":
      return {
        event: {
          case: "finished",
          value: {
            ok: event.ok,
            error: event.error,
            failedStep: event.failedStep,
            durationMs: event.durationMs,
            template: event.template ? templateInfo(event.template) : undefined,
          },
        },
      };
  }
}
