import { describe, expect, it } from "vitest";
import { multipartBody, multipartContentType, multipartParts, quoteParam, toReadableStream } from "./multipart.js";
import { chunksOf } from "./source.js";
import { Readable } from "node:stream";

async function* chunks(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
}

/** Parses the body with undici's own multipart parser: what a real server sees. */
async function parse(contentType: string, body: ReadableStream<Uint8Array>): Promise<FormData> {
  return new Response(body, { headers: { "content-type": contentType } }).formData();
}

describe("streamed multipart encoder", () => {
  it("round-trips fields and binary file content through a real parser", async () => {
    const binary = new Uint8Array([0, 255, 13, 10, 45, 45, 0, 1, 2, 254]);
    const { contentType, body } = multipartBody({ path: "/home/user/x.bin", user: "root" }, { field: "file", filename: "x.bin", content: chunks(binary.subarray(0, 4), binary.subarray(4)) });
    const form = await parse(contentType, body);
    expect(form.get("path")).toBe("/home/user/x.bin");
    expect(form.get("user")).toBe("root");
    const file = form.get("file") as File;
    expect(file.name).toBe("x.bin");
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(binary);
  });

  it("puts the fields before the file part (the API reads path first)", async () => {
    const boundary = "b0undary";
    const parts: string[] = [];
    for await (const p of multipartParts({ path: "/p" }, { field: "file", filename: "f", content: chunks(new TextEncoder().encode("DATA")) }, boundary)) parts.push(new TextDecoder().decode(p));
    const text = parts.join("");
    expect(text.indexOf('name="path"')).toBeLessThan(text.indexOf('name="file"'));
    expect(text).toBe(
      '--b0undary\r\nContent-Disposition: form-data; name="path"\r\n\r\n/p\r\n' +
        '--b0undary\r\nContent-Disposition: form-data; name="file"; filename="f"\r\nContent-Type: application/octet-stream\r\n\r\n' +
        "DATA\r\n--b0undary--\r\n",
    );
    expect(multipartContentType(boundary)).toBe("multipart/form-data; boundary=b0undary");
  });

  it("escapes quotes and line breaks in header parameters", () => {
    expect(quoteParam('a"b\r\nc')).toBe('"a%22b%0D%0Ac"');
  });

  it("pulls the source only as the consumer reads (no buffering ahead)", async () => {
    let produced = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 1000; i++) {
        produced++;
        yield new Uint8Array(1024);
      }
    }
    const stream = toReadableStream(multipartParts({}, { field: "file", filename: "f", content: source() }, "b"));
    const reader = stream.getReader();
    for (let i = 0; i < 5; i++) await reader.read();
    expect(produced).toBeLessThan(10);
    await reader.cancel();
  });

  it("an empty file is still a file part", async () => {
    const { contentType, body } = multipartBody({ path: "/e" }, { field: "file", filename: "e", content: chunks() });
    const file = (await parse(contentType, body)).get("file") as File;
    expect(file.size).toBe(0);
  });
});

describe("write sources", () => {
  const collect = async (it: AsyncIterable<Uint8Array>): Promise<string> => {
    const out: Uint8Array[] = [];
    for await (const c of it) out.push(c);
    return Buffer.concat(out).toString("utf8");
  };

  it("accepts strings, bytes, Blobs, web streams, Node streams and async iterables", async () => {
    expect(await collect(chunksOf("héllo"))).toBe("héllo");
    expect(await collect(chunksOf(new TextEncoder().encode("bytes")))).toBe("bytes");
    expect(await collect(chunksOf(new Blob(["bl", "ob"])))).toBe("blob");
    expect(await collect(chunksOf(new Blob(["web"]).stream() as ReadableStream<Uint8Array>))).toBe("web");
    expect(await collect(chunksOf(Readable.from([Buffer.from("no"), Buffer.from("de")])))).toBe("node");
    expect(await collect(chunksOf(chunks(new TextEncoder().encode("iter"))))).toBe("iter");
  });

  it("rejects streams of non-bytes with a clear message", async () => {
    await expect(collect(chunksOf(Readable.from([{ a: 1 }], { objectMode: true })))).rejects.toThrow(/must yield Uint8Array/);
  });
});
