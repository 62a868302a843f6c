import { isUtf8 } from "node:buffer";

/** One output chunk on the wire: text, or base64 when the bytes are not UTF-8. */
export interface EncodedChunk {
  data: string;
  encoding?: "base64";
}

/**
 * Turns one output stream (stdout or stderr) into text messages. A multi-byte character
 * split across two chunks is held back (at most 3 bytes) until the rest arrives, so
 * ordinary UTF-8 output never turns into base64 just because of where a chunk ended.
 */
export class OutputEncoder {
  private carry: Buffer = Buffer.alloc(0);

  /** The chunk as text or base64; undefined when all of it is held back. */
  encode(chunk: Uint8Array): EncodedChunk | undefined {
    const input = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, input]) : input;
    const held = incompleteTail(bytes);
    const body = bytes.subarray(0, bytes.length - held);
    if (!isUtf8(body)) {
      this.carry = Buffer.alloc(0);
      return { data: bytes.toString("base64"), encoding: "base64" };
    }
    this.carry = Buffer.from(bytes.subarray(bytes.length - held));
    return body.length > 0 ? { data: body.toString("utf8") } : undefined;
  }

  /** Whatever is still held back, at the end of the stream (never valid UTF-8 on its own). */
  flush(): EncodedChunk | undefined {
    if (this.carry.length === 0) return undefined;
    const data = this.carry.toString("base64");
    this.carry = Buffer.alloc(0);
    return { data, encoding: "base64" };
  }
}

/** How many trailing bytes start a UTF-8 sequence that the buffer ends before completing. */
export function incompleteTail(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: keep looking for the lead
    const length = byte >= 0xf8 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? back : 0;
  }
  return 0;
}
