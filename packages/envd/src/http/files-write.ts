import { open, stat, type FileHandle } from "node:fs/promises";
import { posix } from "node:path";
import { WrennError } from "@wrenn/core";
import { ensureDir } from "../filesystem/ensure-dir.js";
import { requireHome, type UserPath } from "../filesystem/user-path.js";

/** Bytes gathered before one writev; one batch is written while the next is received. */
const WRITE_BATCH = 4 << 20;

/**
 * Writes a stream of chunks to `target.path` (created or truncated, mode 0644 before
 * umask), creating missing parent directories; the file and those directories belong to
 * the target's user. Memory held is about two write batches, whatever the file size.
 */
export async function writeUserFile(target: UserPath, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  requireHome(target);
  const existing = await stat(target.path).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new WrennError("invalid_request", `path is a directory: ${target.path}; pass a file path or upload into it with its filename`);
  }
  const { uid, gid } = target.user;
  await ensureDir(posix.dirname(target.path), uid, gid);
  const file = await open(target.path, "w", 0o644);
  try {
    // Devices and FIFOs can be written to but are not the user's to own.
    if ((await file.stat()).isFile()) await file.chown(uid, gid);
    await writeChunks(file, chunks);
  } finally {
    await file.close();
  }
}

async function writeChunks(file: FileHandle, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  let batch: Uint8Array[] = [];
  let size = 0;
  let inflight: Promise<void> = Promise.resolve();
  try {
    for await (const chunk of chunks) {
      batch.push(chunk);
      size += chunk.length;
      if (size < WRITE_BATCH) continue;
      await inflight;
      inflight = writeFully(file, batch, size);
      // Observed here so a failure while the next batch arrives is not an unhandled rejection.
      inflight.catch(() => {});
      batch = [];
      size = 0;
    }
    await inflight;
    if (size > 0) await writeFully(file, batch, size);
  } finally {
    await inflight.catch(() => {});
  }
}

async function writeFully(file: FileHandle, buffers: Uint8Array[], size: number): Promise<void> {
  const { bytesWritten } = await file.writev(buffers);
  if (bytesWritten === size) return;
  let rest = Buffer.concat(buffers).subarray(bytesWritten);
  while (rest.length > 0) rest = rest.subarray((await file.write(rest)).bytesWritten);
}
