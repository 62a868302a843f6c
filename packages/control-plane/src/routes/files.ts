import type { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { authOf, guard } from "../auth/guards.js";
import type { Deps } from "../deps.js";
import { CapsuleParams, NoContent, errorResponses } from "../http/schemas.js";
import { loadRunningCapsule } from "../services/capsule-access.js";
import { clientGone } from "../services/capsule-exec.js";
import {
  FilePath,
  User,
  bufferUpload,
  checkDeclaredLength,
  entryJson,
  multipartUpload,
  publicTooLarge,
  streamDownload,
  streamUpload,
} from "../services/capsule-files.js";

const PathBody = z.strictObject({ path: FilePath, user: User }).meta({ id: "FilePath", example: { path: "/home/user/notes.txt" } });
const ListBody = z
  .strictObject({ path: FilePath, depth: z.number().int().min(1).max(10).default(1), user: User })
  .meta({ id: "ListFiles", example: { path: "/home/user", depth: 1 } });
const MoveBody = z
  .strictObject({ source: FilePath, destination: FilePath, user: User })
  .meta({ id: "MoveFile", example: { source: "/home/user/a.txt", destination: "/home/user/b.txt" } });
const UploadQuery = z.object({ path: FilePath.optional(), user: User });
const MultipartUpload = z
  .object({ path: z.string(), user: z.string().optional(), file: z.string().meta({ format: "binary" }) })
  // Multipart bodies are read as a stream by the handler; Fastify sees no parsed body.
  .nullish()
  .meta({
    id: "FileUpload",
    description: "multipart/form-data: a `path` field (optionally `user`), then the `file` part. `path` may also be given as ?path=.",
    example: { path: "/home/user/data.csv", file: "<bytes>" },
  });

const entryExample = {
  name: "notes.txt",
  path: "/home/user/notes.txt",
  type: "file",
  size: 12,
  mode: 420,
  permissions: "-rw-r--r--",
  owner: "user",
  group: "user",
  modified_at: "2025-01-01T12:00:00.000Z",
};
const Entry = z
  .object({
    name: z.string(),
    path: z.string(),
    type: z.enum(["file", "directory", "symlink"]),
    size: z.number().int(),
    mode: z.number().int(),
    permissions: z.string(),
    owner: z.string(),
    group: z.string(),
    modified_at: z.string().nullable(),
    symlink_target: z.string().optional(),
  })
  .meta({ id: "FileEntry", example: entryExample });
const EntryList = z.object({ entries: z.array(Entry) }).meta({ id: "FileEntryList", example: { entries: [entryExample] } });
const FileBytes = z.string().meta({ id: "FileBytes", description: "the file's bytes (application/octet-stream)", format: "binary", example: "hello world\n" });

/** Directory operations answer in milliseconds; a call this slow is stuck, not busy. */
const quick = { timeoutMs: 60_000 };
/** Buffered transfers move at most 100 MiB. */
const TRANSFER_TIMEOUT_MS = 5 * 60_000;

/** Buffers and streams bypass the response serializer; the schema only documents the bytes. */
const bytes = (body: Buffer | Readable): string => body as unknown as string;

export function fileRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["files"];
  const upload = { params: CapsuleParams, querystring: UploadQuery, body: MultipartUpload, consumes: ["multipart/form-data"] };

  r.post(
    "/capsules/:id/files/write",
    { preHandler: guard(deps), schema: { tags, summary: "Upload a file of up to 100 MiB (multipart)", ...upload, response: { 204: NoContent, ...errorResponses(404, 409, 413, 502, 504) } } },
    async (request, reply) => {
      const capsule = await loadRunningCapsule(deps, authOf(request), request.params.id);
      checkDeclaredLength(request);
      const file = await multipartUpload(request, request.query);
      const data = await bufferUpload(file.file);
      await (await deps.fleet.capsuleAgent(capsule)).client.writeFile({ capsuleId: capsule.id, path: file.path, user: file.user, data }, { signal: clientGone(reply), timeoutMs: TRANSFER_TIMEOUT_MS });
      return reply.code(204).send();
    },
  );

  r.post(
    "/capsules/:id/files/read",
    { preHandler: guard(deps), schema: { tags, summary: "Download a file of up to 100 MiB", params: CapsuleParams, body: PathBody, response: { 200: FileBytes, ...errorResponses(404, 409, 413, 502, 504) } } },
    async (request, reply) => {
      const capsule = await loadRunningCapsule(deps, authOf(request), request.params.id);
      const { path, user = "" } = request.body;
      const { data } = await (await deps.fleet.capsuleAgent(capsule)).client.readFile({ capsuleId: capsule.id, path, user }, { signal: clientGone(reply), timeoutMs: TRANSFER_TIMEOUT_MS }).catch((err: unknown) => {
        throw publicTooLarge(err, "the file");
      });
      return reply.type("application/octet-stream").send(bytes(Buffer.from(data.buffer, data.byteOffset, data.byteLength)));
    },
  );

  r.post(
    "/capsules/:id/files/stream/write",
    { preHandler: guard(deps), schema: { tags, summary: "Upload a file of any size, streamed to the capsule (multipart)", ...upload, response: { 204: NoContent, ...errorResponses(404, 409, 413, 502, 504) } } },
    async (request, reply) => {
      const capsule = await loadRunningCapsule(deps, authOf(request), request.params.id);
      const file = await multipartUpload(request, request.query);
      try {
        await streamUpload(deps, capsule.id, file, clientGone(reply));
      } catch (err) {
        // The rest of the upload may be gigabytes nobody will use: answer, then hang up.
        void reply.header("connection", "close");
        throw err;
      }
      return reply.code(204).send();
    },
  );

  r.post(
    "/capsules/:id/files/stream/read",
    { preHandler: guard(deps), schema: { tags, summary: "Download a file of any size, streamed", params: CapsuleParams, body: PathBody, response: { 200: FileBytes, ...errorResponses(404, 409, 502, 504) } } },
    async (request, reply) => {
      const capsule = await loadRunningCapsule(deps, authOf(request), request.params.id);
      const body = await streamDownload(deps, capsule.id, request.body.path, request.body.user ?? "", clientGone(reply));
      return reply.type("application/octet-stream").send(bytes(body));
    },
  );

  r.post(
    "/capsules/:id/files/list",
    { preHandler: guard(deps), schema: { tags, summary: "List a directory", params: CapsuleParams, body: ListBody, response: { 200: EntryList, ...errorResponses(404, 409, 502, 504) } } },
    async (request) => {
      const capsule = await loadRunningCapsule(deps, authOf(request), request.params.id);
      const { path, depth, user = "" } = request.body;
      const { entries } = await (await deps.fleet.capsuleAgent(capsule)).client.listDir({ capsuleId: capsule.id, path, depth, user }, quick);
      return { entries: entries.map(entryJson) };
    },
  );

  r.post(
    "/capsules/:id/files/stat",
    { preHandler: guard(deps), schema: { tags, summary: "Describe a file or directory", params: CapsuleParams, body: PathBody, response: { 200: Entry, ...errorResponses(404, 409, 502, 504) } } },
    async (request) => {
      const capsule = await loadRunningCapsule(deps, authOf(request), request.params.id);
      const { entry } = await (await deps.fleet.capsuleAgent(capsule)).client.stat({ capsuleId: capsule.id, path: request.body.path, user: request.body.user ?? "" }, quick);
      return entryJson(entry);
    },
  );

  r.post(
    "/capsules/:id/files/mkdir",
    {
      preHandler: guard(deps),
      schema: { tags, summary: "Make a directory and its parents (an existing one is answered as is)", params: CapsuleParams, body: PathBody, response: { 200: Entry, ...errorResponses(404, 409, 502, 504) } },
    },
    async (request) => {
      const capsule = await loadRunningCapsule(deps, authOf(request), request.params.id);
      const { entry } = await (await deps.fleet.capsuleAgent(capsule)).client.makeDir({ capsuleId: capsule.id, path: request.body.path, user: request.body.user ?? "" }, quick);
      return entryJson(entry);
    },
  );

  r.post(
    "/capsules/:id/files/move",
    { preHandler: guard(deps), schema: { tags, summary: "Move or rename a file or directory", params: CapsuleParams, body: MoveBody, response: { 200: Entry, ...errorResponses(404, 409, 502, 504) } } },
    async (request) => {
      const capsule = await loadRunningCapsule(deps, authOf(request), request.params.id);
      const { source, destination, user = "" } = request.body;
      const { entry } = await (await deps.fleet.capsuleAgent(capsule)).client.move({ capsuleId: capsule.id, source, destination, user }, quick);
      return entryJson(entry);
    },
  );

  r.post(
    "/capsules/:id/files/remove",
    { preHandler: guard(deps), schema: { tags, summary: "Remove a file or a directory with its contents", params: CapsuleParams, body: PathBody, response: { 204: NoContent, ...errorResponses(404, 409, 502, 504) } } },
    async (request, reply) => {
      const capsule = await loadRunningCapsule(deps, authOf(request), request.params.id);
      await (await deps.fleet.capsuleAgent(capsule)).client.removePath({ capsuleId: capsule.id, path: request.body.path, user: request.body.user ?? "" }, quick);
      return reply.code(204).send();
    },
  );
}
