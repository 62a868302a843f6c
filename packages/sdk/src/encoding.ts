/** Bytes ↔ text ↔ base64, the same in Node and any runtime with TextEncoder. */

const utf8 = new TextEncoder();

export function toBytes(data: string | Uint8Array | ArrayBuffer): Uint8Array {
  if (typeof data === "string") return utf8.encode(data);
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}

export function toBase64(data: string | Uint8Array): string {
  const bytes = toBytes(data);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

export function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64"));
}

export function bytesToText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
}

/**
 * Decodes streamed chunks to text without splitting a multi-byte character that spans
 * two chunks.
 */
export class Utf8Stream {
  private readonly decoder = new TextDecoder("utf-8");

  push(chunk: Uint8Array): string {
    return this.decoder.decode(chunk, { stream: true });
  }

  end(): string {
    return this.decoder.decode();
  }
}
