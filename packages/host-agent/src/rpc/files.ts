import { constants } from "node:http2";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { WrennError } from "@wrenn/core";
import { FileType, type EntryInfoSchema, type WriteFileStreamRequest } from "@wrenn/proto/hostagent/v1";
import { asUser, type EnvdConnection } from "../envd/connection.js";
import { downloadFile, uploadFile, type UploadedEntry } from "../envd/files.js";
import { readAll } from "../envd/http.js";
import { entryInfo } from "./convert.js";
import type { Handlers, RpcDeps } from "./handlers.js";
import { capsuleId, path as validPath } from "./validate.js";

const mib = (bytes: number): string => `${Math.round(bytes / (1 << 20))} MiB`;

/**
 * File contents go over envd's plain HTTP `/files` (no message size limit); the unary
 * forms cap the size, the stream forms pass any size through without buffering it.
 */
export function fileHandlers({ capsules, limits }: RpcDeps): Handlers<"writeFile" | "readFile" | "writeFileStream" | "readFileStream"> {
  const tooLargeToRead = (): WrennError =>
    new WrennError("too_large", `the file is larger than ${mib(limits.unaryFileBytes)}, the most ReadFile returns: use ReadFileStream`);

  return {
    async writeFile(req, ctx) {
      const id = capsuleId(req.capsuleId);
      const path = validPath(req.path);
      if (req.data.length > limits.unaryFileBytes) {
        throw new WrennError("too_large", `data is ${req.data.length} bytes; WriteFile takes at most ${mib(limits.unaryFileBytes)}: use WriteFileStream`);
      }
      const envd = capsules.envd(id);
      const uploaded = await uploadFile(envd, path, req.user, req.data, ctx.signal);
      return { entry: await writtenEntry(envd, path, req.user, uploaded, ctx.signal) };
    },

    async readFile(req, ctx) {
      const id = capsuleId(req.capsuleId);
      const path = validPath(req.path);
      const res = await downloadFile(capsules.envd(id), path, req.user, ctx.signal);
      if (Number(res.headers["content-length"]) > limits.unaryFileBytes) {
        res.body.close(constants.NGHTTP2_CANCEL);
        throw tooLargeToRead();
      }
      return { data: await readAll(res.body, limits.unaryFileBytes, tooLargeToRead) };
    },

    async writeFileStream(reqs, ctx) {
      const messages = reqs[Symbol.asyncIterator]();
      const first = await messages.next();
      if (first.done || first.value.part.case !== "header") {
        throw new WrennError("invalid_request", "the first WriteFileStream message must be the header (capsule_id, path, user); chunks follow it");
      }
      const header = first.value.part.value;
      const id = capsuleId(header.capsuleId);
      const path = validPath(header.path);
      const envd = capsules.envd(id);
      const uploaded = await uploadFile(envd, path, header.user, chunks(messages), ctx.signal);
      return { entry: await writtenEntry(envd, path, header.user, uploaded, ctx.signal) };
    },

    async *readFileStream(req, ctx) {
      const id = capsuleId(req.capsuleId);
      const path = validPath(req.path);
      const res = await downloadFile(capsules.envd(id), path, req.user, ctx.signal);
      try {
        // HTTP/2 hands over 16 KiB frames; fewer, larger messages are cheaper end to end.
        let pending: Buffer[] = [];
        let size = 0;
        for await (const data of res.body as AsyncIterable<Buffer>) {
          pending.push(data);
          size += data.length;
          if (size >= limits.fileChunkBytes) {
            yield { chunk: pending.length === 1 ? pending[0]! : Buffer.concat(pending, size) };
            pending = [];
            size = 0;
          }
        }
        if (size > 0) yield { chunk: Buffer.concat(pending, size) };
      } finally {
        if (!res.body.readableEnded) res.body.close(constants.NGHTTP2_CANCEL);
      }
    },
  };
}

async function* chunks(messages: AsyncIterator<WriteFileStreamRequest>): AsyncGenerator<Uint8Array> {
  for (;;) {
    const next = await messages.next();
    if (next.done) return;
    const part = next.value.part;
    if (part.case === "header") throw new WrennError("invalid_request", "only the first WriteFileStream message may be a header; send chunks after it");
    if (part.case === "chunk" && part.value.length > 0) yield part.value;
  }
}

/** The full entry of a file just written (envd's upload answer has only name, path and type). */
async function writtenEntry(
  envd: EnvdConnection,
  path: string,
  user: string,
  uploaded: UploadedEntry | undefined,
  signal: AbortSignal,
): Promise<MessageInitShape<typeof EntryInfoSchema> | undefined> {
  const target = uploaded?.path || path;
  try {
    const { entry } = await envd.filesystem.stat({ path: target }, { ...asUser(user), signal });
    return entryInfo(entry);
  } catch (err) {
    // An envd without the filesystem service still wrote the file; say what is known.
    if (!(err instanceof ConnectError && err.code === Code.Unimplemented)) throw err;
    return { name: uploaded?.name ?? target.split("/").pop() ?? target, path: target, type: FileType.FILE };
  }
}
