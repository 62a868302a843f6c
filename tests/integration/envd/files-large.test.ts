import { createHash, randomFillSync } from "node:crypto";
import { once } from "node:events";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEnvd, type RunningEnvd } from "@wrenn/testkit";

const MB = 1024 * 1024;
const SIZE = 200 * MB;

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MB })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Streams `size` random bytes as one multipart file part; only one 1 MiB chunk exists
 * at a time. Resolves with the response and the sha256 of what was sent.
 */
function uploadRandom(url: string, size: number): Promise<{ status: number; body: string; sha256: string }> {
  const boundary = "----wrenn-large-upload";
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n` +
      "Content-Type: application/octet-stream\r\n\r\n",
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const hash = createHash("sha256");
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "POST",
      headers: {
        "content-type": `multipart/form-data; boundary=${boundary}`,
        "content-length": head.length + size + tail.length,
      },
    });
    req.on("error", reject);
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, body, sha256: hash.digest("hex") }));
    });
    void (async () => {
      req.write(head);
      const chunk = Buffer.allocUnsafe(MB);
      for (let sent = 0; sent < size; sent += MB) {
        const piece = randomFillSync(chunk).subarray(0, Math.min(MB, size - sent));
        hash.update(piece);
        // The chunk buffer is reused, so copy what goes out while it may still be queued.
        if (!req.write(Buffer.from(piece))) await once(req, "drain");
      }
      req.end(tail);
    })().catch(reject);
  });
}

function downloadHash(url: string): Promise<{ status: number; length: string | undefined; bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { "accept-encoding": "identity" } }, (res) => {
      const hash = createHash("sha256");
      let bytes = 0;
      res.on("data", (c: Buffer) => {
        bytes += c.length;
        hash.update(c);
      });
      res.on("end", () =>
        resolve({ status: res.statusCode!, length: res.headers["content-length"], bytes, sha256: hash.digest("hex") }),
      );
      res.on("error", reject);
    })
      .on("error", reject)
      .end();
  });
}

describe("envd /files with 200 MB", () => {
  let envd: RunningEnvd;
  let dir: string;

  beforeAll(async () => {
    envd = await startEnvd();
    dir = await mkdtemp(join(tmpdir(), "wrenn-files-large-"));
  });

  afterAll(async () => {
    await envd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("uploads and downloads 200 MB intact, streaming both ways", async () => {
    const path = join(dir, "big.bin");
    const up = await uploadRandom(`${envd.url}/files?path=${encodeURIComponent(path)}`, SIZE);
    expect(up.status).toBe(200);
    expect(JSON.parse(up.body)).toEqual([{ name: "big.bin", type: "file", path }]);
    expect((await stat(path)).size).toBe(SIZE);
    expect(await sha256File(path)).toBe(up.sha256);

    const down = await downloadHash(`${envd.url}/files?path=${encodeURIComponent(path)}`);
    expect(down.status).toBe(200);
    expect(down.length).toBe(String(SIZE));
    expect(down.bytes).toBe(SIZE);
    expect(down.sha256).toBe(up.sha256);

    const res = await fetch(`${envd.url}/health`);
    expect(res.status).toBe(200);
  });
});
