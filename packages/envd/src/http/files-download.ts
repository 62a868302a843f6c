import { open, stat, type FileHandle } from "node:fs/promises";
import { posix } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { constants as zlib, createGzip, deflateRawSync } from "node:zlib";
import { WrennError } from "@wrenn/core";
import type { EnvdResponse, HttpHandler } from "../context.js";
import { userPath, withHomeHint } from "../filesystem/user-path.js";
import { acceptsGzip, parseRange } from "./files-range.js";
import { filesUser, header } from "./files-request.js";

/** Bytes per read; large reads keep syscalls and stream bookkeeping off the profile. */
const READ_CHUNK = 1 << 20;
/** How much of the file's start is test-compressed before choosing gzip. */
const GZIP_SAMPLE = 64 * 1024;

/** `attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * `GET /files?path=…&username=…`: streams a regular file. Supports one `Range` (206,
 * or 416 when it starts past the end) and, without Range, gzip when the client accepts
 * it and the file compresses (compressed on the fly at level 1: envd shares a small
 * capsule CPU with the user's work, and fetch and browsers ask for gzip on every request,
 * so already-compressed or binary data is sent as is rather than deflated at a tenth of
 * the speed). Files that report size 0 (like /proc files) are streamed without a length.
 */
export const downloadFile: HttpHandler = async (req, res, ctx, url) => {
  const raw = url.searchParams.get("path");
  if (!raw) throw new WrennError("invalid_request", "the path query parameter is required, e.g. GET /files?path=/etc/hostname");
  const target = userPath(raw, filesUser(req, ctx, url));
  const info = await withHomeHint(target, () => stat(target.path));
  if (info.isDirectory()) {
    throw new WrennError("invalid_request", `path is a directory, not a file: ${target.path}; use ListDir to read a directory`);
  }
  if (!info.isFile()) throw new WrennError("invalid_request", `path is not a regular file: ${target.path}`);

  const file = await open(target.path, "r");
  try {
    const size = (await file.stat()).size;
    const base: Record<string, string> = {
      "content-type": "application/octet-stream",
      "content-disposition": contentDisposition(posix.basename(target.path)),
      "last-modified": info.mtime.toUTCString(),
      "accept-ranges": "bytes",
      vary: "Accept-Encoding",
    };
    const rangeHeader = header(req, "range");
    const range = parseRange(rangeHeader, size);
    if (range === "unsatisfiable") {
      const body = JSON.stringify({ code: 416, message: `range "${rangeHeader}" is outside the file's ${size} bytes` });
      res.writeHead(416, { "content-type": "application/json", "content-range": `bytes */${size}`, "content-length": Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (range) {
      res.writeHead(206, {
        ...base,
        "content-range": `bytes ${range.start}-${range.end}/${size}`,
        "content-length": range.end - range.start + 1,
      });
      await sendRange(file, res, range.start, range.end);
      return;
    }
    if (rangeHeader === undefined && acceptsGzip(header(req, "accept-encoding")) && (await compresses(file, size))) {
      res.writeHead(200, { ...base, "content-encoding": "gzip" });
      const source = file.createReadStream({ highWaterMark: READ_CHUNK, autoClose: false });
      await sendTransformed(source, createGzip({ level: zlib.Z_BEST_SPEED, chunkSize: 256 * 1024 }), res);
      return;
    }
    res.writeHead(200, size > 0 ? { ...base, "content-length": size } : base);
    // Size 0 may be a /proc file that has content all the same: read to its end.
    await sendRange(file, res, 0, size > 0 ? size - 1 : Number.MAX_SAFE_INTEGER, size > 0);
  } finally {
    await file.close();
  }
};

/** Whether the first 64 KiB shrink by at least a tenth at gzip level 1. */
async function compresses(file: FileHandle, size: number): Promise<boolean> {
  if (size < 1024) return false;
  const sample = Buffer.allocUnsafe(Math.min(GZIP_SAMPLE, size));
  const { bytesRead } = await file.read(sample, 0, sample.length, 0);
  return bytesRead > 0 && deflateRawSync(sample.subarray(0, bytesRead), { level: 1 }).length < bytesRead * 0.9;
}

/**
 * Copies bytes `start..end` (inclusive) of `file` to the response through two reused
 * buffers: the next read runs while the previous chunk is being written, and no
 * per-chunk allocation feeds the garbage collector (a fresh 1 MiB buffer per read cost
 * about a third of the throughput). A client that goes away mid-download is not an
 * envd error: the copy just stops.
 */
async function sendRange(file: FileHandle, res: EnvdResponse, start: number, end: number, exact = true): Promise<void> {
  const closed = new Promise<void>((resolve) => res.once("close", resolve));
  const buffers = [Buffer.allocUnsafe(READ_CHUNK), Buffer.allocUnsafe(READ_CHUNK)];
  let written: Promise<boolean> = Promise.resolve(true);
  let position = start;
  for (let turn = 0; position <= end; turn ^= 1) {
    const buffer = buffers[turn]!;
    const { bytesRead } = await file.read(buffer, 0, Math.min(READ_CHUNK, end - position + 1), position);
    if (bytesRead === 0) {
      // The file shrank under us: with a length already promised, only an abort is honest.
      if (exact) {
        await written;
        res.destroy();
        return;
      }
      break;
    }
    position += bytesRead;
    if (!(await written)) return;
    written = Promise.race([write(res, buffer.subarray(0, bytesRead)), closed.then(() => false)]);
  }
  if (await written) res.end();
}

function write(res: EnvdResponse, chunk: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    (res as NodeJS.WritableStream).write(chunk, (err?: Error | null) => resolve(!err));
  });
}

/** Streams through a transform (gzip); a client that goes away is not an envd error. */
async function sendTransformed(source: Readable, transform: NodeJS.ReadWriteStream, res: EnvdResponse): Promise<void> {
  try {
    await pipeline(source, transform, res as NodeJS.WritableStream);
  } catch (err) {
    source.destroy();
    if (!res.destroyed) res.destroy(err as Error);
  }
}
