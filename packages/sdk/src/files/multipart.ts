import { randomBytes } from "node:crypto";

/**
 * A `multipart/form-data` body built as a stream: text fields, then one file part whose
 * content is pulled chunk by chunk, then the closing boundary. Nothing is buffered beyond
 * one chunk, so files of any size can be uploaded.
 */

const encoder = new TextEncoder();

export interface MultipartFile {
  /** Form field name of the file part. */
  field: string;
  filename: string;
  contentType?: string;
  content: AsyncIterable<Uint8Array>;
}

export function randomBoundary(): string {
  return `----wrenn-${randomBytes(16).toString("hex")}`;
}

/** Quotes a header parameter value (RFC 7578 §4.2: escape `"` and line breaks as percent-encoding). */
export function quoteParam(value: string): string {
  return `"${value.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A")}"`;
}

export function multipartContentType(boundary: string): string {
  return `multipart/form-data; boundary=${boundary}`;
}

/** The encoded parts: each text field, the file header, the file's chunks, the trailer. */
export async function* multipartParts(fields: Record<string, string>, file: MultipartFile, boundary: string): AsyncGenerator<Uint8Array> {
  let head = "";
  for (const [name, value] of Object.entries(fields)) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name=${quoteParam(name)}\r\n\r\n${value}\r\n`;
  }
  head +=
    `--${boundary}\r\nContent-Disposition: form-data; name=${quoteParam(file.field)}; filename=${quoteParam(file.filename)}\r\n` +
    `Content-Type: ${file.contentType ?? "application/octet-stream"}\r\n\r\n`;
  yield encoder.encode(head);
  for await (const chunk of file.content) if (chunk.byteLength > 0) yield chunk;
  yield encoder.encode(`\r\n--${boundary}--\r\n`);
}

/** Wraps an async iterable as a web ReadableStream that pulls on demand (backpressure). */
export function toReadableStream(parts: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = parts[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await iterator.next();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (err) {
        controller.error(err);
      }
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  });
}

/** A streamed multipart body ready for `fetch` (with `duplex: "half"`). */
export function multipartBody(fields: Record<string, string>, file: MultipartFile): { contentType: string; body: ReadableStream<Uint8Array> } {
  const boundary = randomBoundary();
  return { contentType: multipartContentType(boundary), body: toReadableStream(multipartParts(fields, file, boundary)) };
}
