import { templateNamePattern } from "@wrenn/core";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { authOf, guard } from "../auth/guards.js";
import type { Deps } from "../deps.js";
import { NoContent, errorResponses, exampleIds, idOf } from "../http/schemas.js";
import { loadCapsule } from "../services/capsule-access.js";
import { TemplateSchema, createSnapshot, deleteSnapshot, listTemplatesFor, snapshotJson, templateExample } from "../services/capsule-snapshots.js";

const TemplateName = z.string().regex(templateNamePattern, "template names are 1-64 characters from a-z A-Z 0-9 . _ -, starting with a letter or digit");

const CreateSnapshotBody = z
  .strictObject({
    capsule_id: idOf("capsule", exampleIds.capsule),
    name: TemplateName.optional().meta({ description: "default: <capsule id>-<UTC time>" }),
    overwrite: z.boolean().default(false).meta({ description: "replace the team's snapshot of the same name" }),
  })
  .meta({ id: "CreateSnapshot", example: { capsule_id: exampleIds.capsule, name: "my-env", overwrite: false } });

const ListQuery = z.object({ type: z.enum(["base", "snapshot"]).optional() });
const TemplateList = z.array(TemplateSchema).meta({ id: "TemplateList", example: [templateExample] });
const NameParams = z.object({ name: TemplateName });

export function snapshotRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["snapshots"];

  r.post(
    "/snapshots",
    {
      preHandler: guard(deps),
      schema: {
        tags,
        summary: "Snapshot a capsule (memory and disk) into a template new capsules restore from",
        description: "A running capsule is checkpointed and keeps running; a paused one stays paused.",
        body: CreateSnapshotBody,
        response: { 201: TemplateSchema, ...errorResponses(404, 409, 502) },
      },
    },
    async (request, reply) => {
      const auth = authOf(request);
      const capsule = await loadCapsule(deps, auth, request.body.capsule_id);
      const row = await createSnapshot(deps, auth, capsule, request.body, request.log);
      return reply.code(201).send(snapshotJson(row));
    },
  );

  r.get(
    "/snapshots",
    { preHandler: guard(deps), schema: { tags, summary: "List built-in templates and the team's snapshots", querystring: ListQuery, response: { 200: TemplateList, ...errorResponses(502) } } },
    async (request) => listTemplatesFor(deps, authOf(request).teamId, request.query.type),
  );

  r.delete(
    "/snapshots/:name",
    { preHandler: guard(deps), schema: { tags, summary: "Delete one of the team's snapshots", params: NameParams, response: { 204: NoContent, ...errorResponses(403, 404, 502) } } },
    async (request, reply) => {
      await deleteSnapshot(deps, authOf(request), request.params.name);
      return reply.code(204).send();
    },
  );
}
