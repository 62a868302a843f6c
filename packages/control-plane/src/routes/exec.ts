import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { authOf, guard } from "../auth/guards.js";
import type { Deps } from "../deps.js";
import { CapsuleParams, errorResponses } from "../http/schemas.js";
import { loadRunningCapsule } from "../services/capsule-access.js";
import { serverTimingHeader } from "../http/server-timing.js";
import { clientGone, execBackground, execForeground } from "../services/capsule-exec.js";

const noNul = (field: string) => [(v: string) => !v.includes("\0"), `${field} must not contain NUL bytes`] as const;
const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A command to run, in the foreground or the background. */
const ExecBody = z
  .strictObject({
    cmd: z
      .string()
      .min(1, "cmd is required")
      .max(65_536)
      .refine(...noNul("cmd"))
      .meta({ description: "the program; with spaces and no args, a shell command line run as /bin/bash -lc <cmd>" }),
    args: z.array(z.string().max(131_072).refine(...noNul("args"))).max(4096).optional(),
    envs: z.record(z.string().max(256).regex(envName, "env var names are letters, digits and _, not starting with a digit"), z.string().max(65_536).refine(...noNul("env values"))).default({}),
    cwd: z.string().max(4096).refine(...noNul("cwd")).optional().meta({ description: "working directory (default: the user's home)" }),
    user: z.string().min(1).max(64).regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, "not a user name").optional().meta({ description: "default: the template's user" }),
    timeout_sec: z.number().int().min(1).max(3600).default(30).meta({ description: "foreground only: the process is killed after this many seconds" }),
    background: z.boolean().default(false),
    tag: z.string().min(1).max(256).refine(...noNul("tag")).optional().meta({ description: "background only: a name to find the process by later" }),
    stdin: z.string().max(512 * 1024).optional().meta({ description: "written to the process's stdin (then closed, for foreground runs)" }),
  })
  .meta({
    id: "Exec",
    example: { cmd: "python3", args: ["-c", "print(2 + 2)"], envs: { PYTHONUNBUFFERED: "1" }, cwd: "/home/user", timeout_sec: 30 },
  });

const ExecResult = z
  .object({
    stdout: z.string(),
    stderr: z.string(),
    exit_code: z.number().int().meta({ description: "-1 when the process was killed at timeout_sec" }),
    duration_ms: z.number().int(),
    encoding: z.enum(["utf-8", "base64"]).meta({ description: "base64 when either stream is not valid UTF-8 (then both are base64)" }),
    timed_out: z.boolean().meta({ description: "true when the process ran past timeout_sec and was killed; stdout/stderr hold what it wrote until then" }),
  })
  .meta({ id: "ExecResult", example: { stdout: "4\n", stderr: "", exit_code: 0, duration_ms: 41, encoding: "utf-8", timed_out: false } });

const BackgroundStarted = z
  .object({ pid: z.number().int(), tag: z.string().nullable() })
  .meta({ id: "BackgroundProcess", example: { pid: 42, tag: "web-server" } });

export function execRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    "/capsules/:id/exec",
    {
      preHandler: guard(deps),
      schema: {
        tags: ["exec"],
        summary: "Run a command: wait for it (200) or start it in the background (202)",
        params: CapsuleParams,
        body: ExecBody,
        response: { 200: ExecResult, 202: BackgroundStarted, ...errorResponses(404, 409, 413, 502, 504) },
      },
    },
    async (request, reply) => {
      const capsule = await loadRunningCapsule(deps, authOf(request), request.params.id);
      if (request.body.background) {
        return reply.code(202).send(await execBackground(deps, capsule.id, request.body));
      }
      const timing: { agentHandlerMs?: number } = {};
      const result = await execForeground(deps, capsule.id, request.body, clientGone(reply), timing);
      // The agent's share, so a client can tell the command's time from the platform's.
      if (timing.agentHandlerMs !== undefined) void reply.header("server-timing", serverTimingHeader([["agent_handler", timing.agentHandlerMs, "the host agent's own handling"]]));
      return reply.send(result);
    },
  );
}
