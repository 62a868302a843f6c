import { Readable } from "node:stream";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { WrennError } from "@wrenn/core";
import { FileType, type EntryInfo, type WriteFileStreamRequestSchema } from "@wrenn/proto/hostagent/v1";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { Deps } from "../deps.js";

/** The most the buffered file routes move in one request; larger files use the stream routes. */
export const MAX_BUFFERED_FILE_BYTES = 100 * 1024 * 1024;
/** Upload messages to the agent are coalesced to about this size (multipart hands over ~64 KiB pieces). */
const UPLOAD_MESSAGE_BYTES = 1024 * 1024;
/** Multipart framing around a file: boundaries and part headers, generously. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

export const FilePath = z
  .string()
  .min(1, "path is required")
  .max(4096, "paths are at most 4096 characters")
  .refine((v) => !v.includes("\0"), "paths must not contain NUL bytes")
  .meta({ description: "absolute, or relative to the user's home (~ works too)" });
export const User = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, "not a user name")
  .optional()
  .meta({ description: "act as this user (default: the template's user)" });

export interface EntryJson {
  name: string;
  path: string;
  type: "file" | "directory" | "symlink";
  size: number;
  mode: number;
  permissions: string;
  owner: string;
  group: string;
  modified_at: string | null;
  symlink_target?: string;
}

export function entryJson(entry: EntryInfo | undefined): EntryJson {
  if (!entry) throw new WrennError("agent_error", "the host agent answered without the file's entry");
  return {
    name: entry.name,
    path: entry.path,
    type: entry.type === FileType.DIRECTORY ? "directory" : entry.type === FileType.SYMLINK ? "symlink" : "file",
    size: Number(entry.size),
    mode: entry.mode,
    permissions: entry.permissions,
    owner: entry.owner,
    group: entry.group,
    modified_at: entry.modifiedAt ? timestampDate(entry.modifiedAt).toISOString() : null,
    ...(entry.symlinkTarget !== undefined ? { symlink_target: entry.symlinkTarget } : {}),
  };
}

const tooLarge = (what: string): WrennError =>
  new WrennError("too_large", `${what} is larger than 100 MiB, the most the buffered file routes move: use /files/stream/write or /files/stream/read`);

/** A too_large answer from the agent, reworded for the public routes. */
export function publicTooLarge(err: unknown, what: string): unknown {
  return err instanceof ConnectError && err.code === Code.ResourceExhausted ? tooLarge(what) : err;
}

/** Refuses an upload whose declared length already rules it out, before reading any of it. */
export function checkDeclaredLength(request: FastifyRequest): void {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > MAX_BUFFERED_FILE_BYTES + MULTIPART_OVERHEAD_BYTES) throw tooLarge("the upload");
}

export interface Upload {
  path: string;
  user: string;
  file: Readable;
}

/**
 * The file part of a multipart upload, with `path` (and optionally `user`) from the fields
 * sent before it or from the query string. The file is not read here: the caller streams it.
 */
export async function multipartUpload(request: FastifyRequest, fromQuery: { path?: string | undefined; user?: string | undefined }): Promise<Upload> {
  if (!request.isMultipart()) throw new WrennError("invalid_request", "send multipart/form-data with a path field, then the file part");
  const fields: { path?: string; user?: string } = {};
  for await (const part of request.parts()) {
    if (part.type === "file") {
      const path = fields.path ?? fromQuery.path;
      const checked = z.object({ path: FilePath, user: User }).safeParse({ path, user: fields.user ?? fromQuery.user });
      if (!checked.success) {
        part.file.resume();
        const issue = checked.error.issues[0];
        const message = path === undefined ? "path is required: send the path field before the file part (or ?path=)" : `invalid ${String(issue?.path[0] ?? "field")}: ${issue?.message ?? "invalid"}`;
        throw new WrennError("invalid_request", message);
      }
      return { path: checked.data.path, user: checked.data.user ?? "", file: part.file };
    }
    if ((part.fieldname === "path" || part.fieldname === "user") && typeof part.value === "string") fields[part.fieldname] = part.value;
  }
  throw new WrennError("invalid_request", "the form has no file part: send the file in a part named file");
}

/**
 * Reads an upload into memory. Past the buffered limit the rest is read and dropped, so the
 * client finishes sending and gets a clean 413 instead of a reset connection.
 */
export function bufferUpload(file: Upload["file"]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    file.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BUFFERED_FILE_BYTES) chunks.push(chunk);
      else chunks.length = 0;
    });
    file.once("error", reject);
    file.once("end", () => (size > MAX_BUFFERED_FILE_BYTES ? reject(tooLarge("the file")) : resolve(Buffer.concat(chunks, size))));
  });
}

/**
 * Pipes an upload into the agent's client-streaming WriteFileStream. The generator is
 * pulled by the RPC as HTTP/2 flow control allows, and pulls the request in turn, so
 * memory stays flat whatever the size.
 */
export async function streamUpload(deps: Deps, capsuleId: string, upload: Upload, signal: AbortSignal): Promise<void> {
  async function* messages(): AsyncGenerator<MessageInitShape<typeof WriteFileStreamRequestSchema>> {
    yield { part: { case: "header", value: { capsuleId, path: upload.path, user: upload.user } } };
    let pending: Buffer[] = [];
    let size = 0;
    for await (const chunk of upload.file) {
      pending.push(chunk);
      size += chunk.length;
      if (size >= UPLOAD_MESSAGE_BYTES) {
        yield { part: { case: "chunk", value: Buffer.concat(pending, size) } };
        pending = [];
        size = 0;
      }
    }
    if (size > 0) yield { part: { case: "chunk", value: Buffer.concat(pending, size) } };
  }
  await (await deps.fleet.capsuleAgent(capsuleId)).client.writeFileStream(messages(), { signal });
}

/**
 * A file as a byte stream from the agent's ReadFileStream. The first chunk is awaited
 * before answering, so a missing file is a proper 404 rather than a broken 200.
 */
export async function streamDownload(deps: Deps, capsuleId: string, path: string, user: string, signal: AbortSignal): Promise<Readable> {
  const messages = (await deps.fleet.capsuleAgent(capsuleId)).client.readFileStream({ capsuleId, path, user }, { signal })[Symbol.asyncIterator]();
  const first = await messages.next();
  async function* bytes(): AsyncGenerator<Uint8Array> {
    try {
      if (first.done) return;
      yield first.value.chunk;
      for (;;) {
        const next = await messages.next();
        if (next.done) return;
        yield next.value.chunk;
      }
    } finally {
      // The client went away early: end the agent's stream too.
      await messages.return?.();
    }
  }
  return Readable.from(bytes(), { objectMode: false, highWaterMark: 1024 * 1024 });
}
