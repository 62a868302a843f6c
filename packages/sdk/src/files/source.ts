import { Readable } from "node:stream";
import { toBytes } from "../encoding.js";
import { InvalidArgumentError } from "../errors.js";

/** Data a file can be written from: in memory, or a stream of any size. */
export type WriteData = string | Uint8Array | ArrayBuffer | Blob | ReadableStream<Uint8Array> | Readable | AsyncIterable<Uint8Array>;

/** In-memory data, with its size known up front. */
export type BufferedData = string | Uint8Array | ArrayBuffer | Blob;

export function isBuffered(data: WriteData): data is BufferedData {
  return typeof data === "string" || data instanceof Uint8Array || data instanceof ArrayBuffer || data instanceof Blob;
}

export function sizeOf(data: BufferedData): number {
  if (typeof data === "string") return Buffer.byteLength(data, "utf8");
  if (data instanceof Blob) return data.size;
  return data.byteLength;
}

export function toBlob(data: BufferedData): Blob {
  if (data instanceof Blob) return data;
  const bytes = toBytes(data);
  return new Blob([bytes.buffer instanceof ArrayBuffer ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes.slice()]);
}

function chunkOf(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === "string") return toBytes(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new InvalidArgumentError(`a write stream yielded ${typeof chunk}; streams must yield Uint8Array/Buffer (or string) chunks`, { code: "invalid_request" });
}

/** Any accepted source as byte chunks. */
export async function* chunksOf(data: WriteData): AsyncGenerator<Uint8Array> {
  if (isBuffered(data)) {
    if (data instanceof Blob) yield* chunksOf(data.stream() as ReadableStream<Uint8Array>);
    else yield toBytes(data);
    return;
  }
  if (data instanceof ReadableStream) {
    const reader = data.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        yield chunkOf(value);
      }
    } finally {
      reader.releaseLock();
    }
  }
  for await (const chunk of data as AsyncIterable<unknown>) yield chunkOf(chunk);
}
