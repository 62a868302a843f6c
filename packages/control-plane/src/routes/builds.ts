import { listBuilds } from "@wrenn/db";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type WebSocket from "ws";
import { z } from "zod";
import { authOf, checkGuard, guard } from "../auth/guards.js";
import type { Deps } from "../deps.js";
import { errorResponses, idOf } from "../http/schemas.js";
import { cancelBuild, loadBuild } from "../services/builds/cancel.js";
import { BuildInput, createBuild } from "../services/builds/create.js";
import { BuildDetailSchema, BuildListSchema, BuildSchema, buildDetailJson, buildExample, buildJson } from "../services/builds/json.js";
import { streamBuildLogs } from "../services/builds/logs-socket.js";
import { readBuildRequest } from "../services/builds/upload.js";
import { WebSocketUpgrade, upgradeRequired } from "../ws/capsule-socket.js";

const BuildParams = z.object({ id: idOf("build", buildExample.id) });
const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

const CreateBuildBody = BuildInput.extend({ archive: z.string().optional().meta({ format: "binary", description: "multipart only: a tar, tar.gz or zip (≤ 100 MB) that COPY takes files from" }) })
  // Multipart bodies are read by the handler; Fastify sees no parsed body then.
  .nullish()
  .meta({
    id: "CreateBuild",
    description: "JSON, or multipart/form-data with the same fields (recipe as a JSON string) and an `archive` file part.",
    example: {
      name: "my-env",
      base_template: "python",
      recipe: ["RUN pip install requests", "COPY app /app", "ENV APP_ENV=prod", "WORKDIR /app", "START python -m http.server 8000"],
      healthcheck: "--interval=2s curl -fsS localhost:8000",
      vcpus: 1,
      memory_mb: 512,
    },
  });

const socketDescription =
  'Sends the build\'s logs so far, then live {"type":"step","index","instruction","args"}, {"type":"log","step","data","stream":"stdout|stderr"} and finally ' +
  '{"type":"finished","status","error?","template?"}, then closes. Authenticate with X-API-Key / Authorization: Bearer on the upgrade request or send {"type":"auth","token"} first.';

/** Team builds under /builds and platform-template builds (admins) under /admin/builds; same handlers. */
export function buildRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  for (const platform of [false, true]) {
    const base = platform ? "/admin/builds" : "/builds";
    const tags = [platform ? "admin" : "builds"];
    const pre = guard(deps, platform ? { admin: true } : {});
    const scope = (request: FastifyRequest): string | null => (platform ? null : authOf(request).teamId);
    const what = platform ? "a platform template" : "a team template";

    r.post(
      base,
      {
        preHandler: pre,
        schema: {
          tags,
          summary: `Build ${what} from a recipe (queued)`,
          description: "The build runs in a capsule on a host, step by step; follow it with GET /builds/{id} or the logs WebSocket.",
          body: CreateBuildBody,
          response: { 202: BuildSchema, ...errorResponses(403, 409, 413) },
        },
      },
      async (request, reply) => {
        const { input, archive } = await readBuildRequest(request);
        const build = await createBuild(deps, authOf(request), scope(request), input, archive);
        return reply.code(202).send(buildJson(build));
      },
    );

    r.get(
      base,
      { preHandler: pre, schema: { tags, summary: "List builds, newest first", querystring: ListQuery, response: { 200: BuildListSchema, ...errorResponses(403) } } },
      async (request) => (await listBuilds(deps.db, scope(request), request.query.limit)).map(buildJson),
    );

    r.get(
      `${base}/:id`,
      { preHandler: pre, schema: { tags, summary: "A build with its status, current step, error and logs", params: BuildParams, response: { 200: BuildDetailSchema, ...errorResponses(403, 404) } } },
      async (request) => buildDetailJson(await loadBuild(deps, scope(request), request.params.id)),
    );

    r.post(
      `${base}/:id/cancel`,
      { preHandler: pre, schema: { tags, summary: "Cancel a pending or running build", params: BuildParams, response: { 200: BuildSchema, ...errorResponses(403, 404, 409) } } },
      async (request) => buildJson(await cancelBuild(deps, authOf(request), scope(request), request.params.id)),
    );

    r.route({
      method: "GET",
      url: `${base}/:id/logs`,
      schema: { tags, summary: "Follow a build's logs (WebSocket)", description: socketDescription, params: BuildParams, response: { 101: WebSocketUpgrade, ...errorResponses(403, 404) } },
      handler: upgradeRequired,
      wsHandler: (socket: WebSocket, request: FastifyRequest) =>
        streamBuildLogs(deps, socket, request, (auth) => {
          if (platform) checkGuard(auth, { admin: true });
          return platform ? null : auth.teamId;
        }),
    });
  }
}
