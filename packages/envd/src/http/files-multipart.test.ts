import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MultipartReader, multipartBoundary, parsePartHeaders } from "./files-multipart.js";

async function* chunked(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function readAll(reader: MultipartReader): Promise<{ filename?: string; name?: string; data: Buffer }[]> {
  const parts = [];
  for (let part; (part = await reader.nextPart()); ) {
    const chunks: Buffer[] = [];
    for await (const chunk of reader.body()) chunks.push(chunk);
    parts.push({ filename: part.filename, name: part.name, data: Buffer.concat(chunks) });
  }
  return parts;
}

function body(boundary: string, parts: { headers: string; data: Buffer }[]): Buffer {
  const pieces: Buffer[] = [];
  for (const part of parts) pieces.push(Buffer.from(`--${boundary}\r\n${part.headers}\r\n\r\n`), part.data, Buffer.from("\r\n"));
  pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(pieces);
}

describe("multipartBoundary", () => {
  it("reads plain and quoted boundaries", () => {
    expect(multipartBoundary("multipart/form-data; boundary=abc")).toBe("abc");
    expect(multipartBoundary('multipart/form-data; charset=utf-8; boundary="a b:c"')).toBe("a b:c");
  });

  it("rejects a missing or too long boundary", () => {
    expect(() => multipartBoundary("multipart/form-data")).toThrow(/boundary/);
    expect(() => multipartBoundary(`multipart/form-data; boundary=${"x".repeat(71)}`)).toThrow(/70/);
  });
});

describe("parsePartHeaders", () => {
  it("reads name, filename (preferring filename*) and content type", () => {
    expect(
      parsePartHeaders(
        'Content-Disposition: form-data; name="file"; filename="a \\"b\\".txt"\r\nContent-Type: text/plain',
      ),
    ).toEqual({ name: "file", filename: 'a "b".txt', contentType: "text/plain" });
    expect(
      parsePartHeaders(`content-disposition: form-data; name=file; filename="fallback"; filename*=UTF-8''%E2%82%AC%20rates.txt`),
    ).toMatchObject({ name: "file", filename: "€ rates.txt" });
  });
});

describe("MultipartReader", () => {
  it("splits parts however the body is chunked", async () => {
    const a = randomBytes(100_000);
    // Data that contains CR LF and near-boundaries but never the real delimiter.
    const b = Buffer.from("x\r\n--bound\r\n--boundar\r\r\n--boundarz\r\n");
    const data = body("boundary", [
      { headers: 'Content-Disposition: form-data; name="file"; filename="a.bin"', data: a },
      { headers: 'Content-Disposition: form-data; name="note"', data: Buffer.from("hello") },
      { headers: 'Content-Disposition: form-data; name="file"; filename="b.txt"', data: b },
      { headers: 'Content-Disposition: form-data; name="file"; filename="empty"', data: Buffer.alloc(0) },
    ]);
    for (const size of [1, 2, 3, 7, 64, 1000, 65_536, data.length]) {
      const parts = await readAll(new MultipartReader(chunked(data, size), "boundary"));
      expect(parts.map((p) => [p.name, p.filename, p.data.length]), `chunk size ${size}`).toEqual([
        ["file", "a.bin", a.length],
        ["note", undefined, 5],
        ["file", "b.txt", b.length],
        ["file", "empty", 0],
      ]);
      expect(parts[0]!.data.equals(a)).toBe(true);
      expect(parts[2]!.data.equals(b)).toBe(true);
    }
  });

  it("skips a preamble, an unread part and the epilogue", async () => {
    const data = Buffer.concat([
      Buffer.from("this is a preamble\r\n"),
      body("zz", [
        { headers: 'Content-Disposition: form-data; name="skip"', data: Buffer.from("skipped") },
        { headers: 'Content-Disposition: form-data; name="file"; filename="f"', data: Buffer.from("kept") },
      ]),
      Buffer.from("epilogue"),
    ]);
    const reader = new MultipartReader(chunked(data, 5), "zz");
    expect((await reader.nextPart())?.name).toBe("skip");
    const second = await reader.nextPart();
    expect(second?.filename).toBe("f");
    const chunks: Buffer[] = [];
    for await (const chunk of reader.body()) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe("kept");
    expect(await reader.nextPart()).toBeUndefined();
  });

  it("accepts a part without headers and transport padding after a boundary", async () => {
    const data = Buffer.from("--b  \t\r\n\r\nraw\r\n--b--");
    const parts = await readAll(new MultipartReader(chunked(data, 4), "b"));
    expect(parts).toEqual([{ name: undefined, filename: undefined, data: Buffer.from("raw") }]);
  });

  it("rejects truncated and malformed bodies", async () => {
    const cases: [string, RegExp][] = [
      ["", /no boundary found/],
      ["no boundary at all", /no boundary found/],
      ["--b\r\nContent-Disposition: form-data; name=file\r\n\r\ntruncated", /closing boundary is missing/],
      ["--b\r\nContent-Disposition: form-data; name=file", /ended inside part headers/],
      ["--b\r\nnot a header\r\n\r\nx\r\n--b--", /invalid part header/],
      ["--bxyz\r\n\r\nx\r\n--b--", /trailing characters/],
      ["--b", /ended right after a boundary/],
    ];
    for (const [text, error] of cases) {
      await expect(readAll(new MultipartReader(chunked(Buffer.from(text), 3), "b")), text).rejects.toThrow(error);
    }
  });

  it("limits header size and part count", async () => {
    const big = Buffer.from(`--b\r\nX-Pad: ${"p".repeat(20_000)}\r\n\r\nx\r\n--b--`);
    await expect(readAll(new MultipartReader(chunked(big, 1000), "b"))).rejects.toThrow(/larger than 16384/);
    const many = body("b", Array.from({ length: 5 }, () => ({ headers: "X: y", data: Buffer.from("x") })));
    await expect(readAll(new MultipartReader(chunked(many, 100), "b", { maxParts: 4 }))).rejects.toThrow(/more than 4 parts/);
  });
});
