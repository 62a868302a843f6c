import { WrennError } from "@wrenn/core";
import { Signal } from "@wrenn/proto/hostagent/v1";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { authOf, guard } from "../auth/guards.js";
import type { Deps } from "../deps.js";
import { CapsuleParams, NoContent, errorResponses } from "../http/schemas.js";
import { loadRunningCapsule } from "../services/capsule-access.js";

const MAX_PID = 4_294_967_295;

const ProcessParams = CapsuleParams.extend({
  process: z
    .string()
    .min(1)
    .max(256)
    .refine((v) => !v.includes("\0"), "must not contain NUL bytes")
    .meta({ description: "a pid (all digits) or a tag", example: "web-server" }),
});

type Selector = { selector: { case: "pid"; value: number } | { case: "tag"; value: string } };

/** All digits names a pid; anything else is a tag. */
function selectorOf(raw: string): Selector {
  if (!/^\d+$/.test(raw)) return { selector: { case: "tag", value: raw } };
  const pid = Number(raw);
  if (pid < 1 || pid > MAX_PID) throw new WrennError("invalid_request", `pid ${raw.slice(0, 20)} is out of range (1 to ${MAX_PID})`);
  return { selector: { case: "pid", value: pid } };
}

const ProcessInfo = z.object({
  pid: z.number().int(),
  tag: z.string().nullable(),
  cmd: z.string(),
  args: z.array(z.string()),
  cwd: z.string(),
  pty: z.boolean(),
});
const ProcessList = z
  .array(ProcessInfo)
  .meta({ id: "ProcessList", example: [{ pid: 42, tag: "web-server", cmd: "python3", args: ["-m", "http.server", "8000"], cwd: "/home/user", pty: false }] });

const KillQuery = z.object({ signal: z.enum(["SIGTERM", "SIGKILL"]).default("SIGTERM") });

const StdinBody = z
  .strictObject({
    data: z.string().max(768 * 1024).default(""),
    encoding: z.enum(["utf-8", "base64"]).default("utf-8"),
    close: z.boolean().default(false).meta({ description: "close stdin after writing data" }),
  })
  .meta({ id: "ProcessStdin", example: { data: "print('hi')\n", encoding: "utf-8", close: false } });

function stdinBytes(data: string, encoding: "utf-8" | "base64"): Buffer {
  if (encoding === "utf-8") return Buffer.from(data, "utf8");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) throw new WrennError("invalid_request", "data is not valid base64");
  return Buffer.from(data, "base64");
}

export function processRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["processes"];

  r.get(
    "/capsules/:id/processes",
    { preHandler: guard(deps), schema: { tags, summary: "List the processes started through the API", params: CapsuleParams, response: { 200: ProcessList, ...errorResponses(404, 409, 502) } } },
    async (request) => {
      const capsule = await loadRunningCapsule(deps, authOf(request), request.params.id);
      const { processes } = await (await deps.fleet.capsuleAgent(capsule)).client.listProcesses({ capsuleId: capsule.id });
      return processes.map((p) => ({ pid: p.pid, tag: p.tag || null, cmd: p.cmd, args: p.args, cwd: p.cwd, pty: p.pty }));
    },
  );

  r.delete(
    "/capsules/:id/processes/:process",
    {
      preHandler: guard(deps),
      schema: { tags, summary: "Signal a process (by pid or tag)", params: ProcessParams, querystring: KillQuery, response: { 204: NoContent, ...errorResponses(404, 409, 502) } },
    },
    async (request, reply) => {
      const capsule = await loadRunningCapsule(deps, authOf(request), request.params.id);
      const signal = request.query.signal === "SIGKILL" ? Signal.SIGKILL : Signal.SIGTERM;
      await (await deps.fleet.capsuleAgent(capsule)).client.killProcess({ capsuleId: capsule.id, process: selectorOf(request.params.process), signal });
      return reply.code(204).send();
    },
  );

  r.post(
    "/capsules/:id/processes/:process/stdin",
    {
      preHandler: guard(deps),
      schema: { tags, summary: "Write to a process's stdin (by pid or tag)", params: ProcessParams, body: StdinBody, response: { 204: NoContent, ...errorResponses(404, 409, 502) } },
    },
    async (request, reply) => {
      const capsule = await loadRunningCapsule(deps, authOf(request), request.params.id);
      const { data, encoding, close } = request.body;
      const bytes = stdinBytes(data, encoding);
      if (bytes.length === 0 && !close) throw new WrennError("invalid_request", "pass data to write, close: true to close stdin, or both");
      await (await deps.fleet.capsuleAgent(capsule)).client.sendProcessInput({ capsuleId: capsule.id, process: selectorOf(request.params.process), data: bytes, close });
      return reply.code(204).send();
    },
  );
}
