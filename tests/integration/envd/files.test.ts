import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { connect as http2Connect, type ClientHttp2Session } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEnvd, type RunningEnvd } from "@wrenn/testkit";

/** Raw GET without fetch's automatic decompression. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    })
      .on("error", reject)
      .end();
  });
}

describe("envd /files", () => {
  let envd: RunningEnvd;
  let dir: string;
  let data: Buffer;
  let dataPath: string;

  const filesUrl = (params: Record<string, string>): string => `${envd.url}/files?${new URLSearchParams(params)}`;

  const expectError = async (res: Response, status: number, text?: string): Promise<void> => {
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = (await res.json()) as { code: number; message: string };
    expect(body.code).toBe(status);
    if (text) expect(body.message).toContain(text);
  };

  beforeAll(async () => {
    envd = await startEnvd();
    dir = await mkdtemp(join(tmpdir(), "wrenn-files-"));
    data = randomBytes(10_000);
    dataPath = join(dir, "data.bin");
    await writeFile(dataPath, data);
  });

  afterAll(async () => {
    await envd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe("download", () => {
    it("streams a file with length, type and file name", async () => {
      const res = await fetch(filesUrl({ path: dataPath }));
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/octet-stream");
      expect(res.headers.get("content-length")).toBe("10000");
      expect(res.headers.get("content-disposition")).toBe(`attachment; filename="data.bin"; filename*=UTF-8''data.bin`);
      expect(res.headers.get("accept-ranges")).toBe("bytes");
      expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
    });

    it("encodes a non-ASCII file name in Content-Disposition", async () => {
      await writeFile(join(dir, "résumé \"v2\".txt"), "x");
      const res = await fetch(filesUrl({ path: join(dir, "résumé \"v2\".txt") }));
      expect(res.headers.get("content-disposition")).toBe(
        `attachment; filename="r_sum_ _v2_.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22v2%22.txt`,
      );
    });

    it("serves byte ranges: first bytes, middle, open end and suffix", async () => {
      const cases: [string, number, number][] = [
        ["bytes=0-9", 0, 9],
        ["bytes=100-199", 100, 199],
        ["bytes=9990-", 9990, 9999],
        ["bytes=-100", 9900, 9999],
        ["bytes=9000-20000", 9000, 9999],
      ];
      for (const [range, start, end] of cases) {
        const res = await fetch(filesUrl({ path: dataPath }), { headers: { range } });
        expect(res.status, range).toBe(206);
        expect(res.headers.get("content-range")).toBe(`bytes ${start}-${end}/10000`);
        expect(res.headers.get("content-length")).toBe(String(end - start + 1));
        expect(Buffer.from(await res.arrayBuffer()).equals(data.subarray(start, end + 1))).toBe(true);
      }
    });

    it("answers 416 with the size for an unsatisfiable range", async () => {
      for (const range of ["bytes=10000-", "bytes=20000-30000", "bytes=-0"]) {
        const res = await fetch(filesUrl({ path: dataPath }), { headers: { range } });
        expect(res.status, range).toBe(416);
        expect(res.headers.get("content-range")).toBe("bytes */10000");
        await res.arrayBuffer();
      }
    });

    it("ignores a malformed Range header and sends the whole file", async () => {
      const res = await fetch(filesUrl({ path: dataPath }), { headers: { range: "pages=1-2" } });
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBe(10_000);
    });

    it("compresses with gzip when asked, but never together with a range", async () => {
      const text = Buffer.from("wrenn ".repeat(5000));
      await writeFile(join(dir, "text.txt"), text);
      const res = await rawGet(filesUrl({ path: join(dir, "text.txt") }), { "accept-encoding": "gzip, deflate" });
      expect(res.status).toBe(200);
      expect(res.headers["content-encoding"]).toBe("gzip");
      expect(res.headers["content-length"]).toBeUndefined();
      expect(res.body.length).toBeLessThan(text.length / 10);
      expect(gunzipSync(res.body).equals(text)).toBe(true);

      const ranged = await rawGet(filesUrl({ path: join(dir, "text.txt") }), { "accept-encoding": "gzip", range: "bytes=0-5" });
      expect(ranged.status).toBe(206);
      expect(ranged.headers["content-encoding"]).toBeUndefined();
      expect(ranged.body.toString()).toBe("wrenn ");

      const refused = await rawGet(filesUrl({ path: join(dir, "text.txt") }), { "accept-encoding": "gzip;q=0" });
      expect(refused.headers["content-encoding"]).toBeUndefined();
      expect(refused.body.equals(text)).toBe(true);
    });

    it("sends incompressible files as they are even when gzip is accepted", async () => {
      const res = await rawGet(filesUrl({ path: dataPath }), { "accept-encoding": "gzip" });
      expect(res.status).toBe(200);
      expect(res.headers["content-encoding"]).toBeUndefined();
      expect(res.headers["content-length"]).toBe("10000");
      expect(res.headers["vary"]).toBe("Accept-Encoding");
      expect(res.body.equals(data)).toBe(true);
    });

    it("streams files that report size 0 but have content, like /proc files", async () => {
      const res = await fetch(filesUrl({ path: "/proc/version" }), { headers: { "accept-encoding": "identity" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-length")).toBeNull();
      expect(await res.text()).toMatch(/^Linux version /);
      const empty = join(dir, "empty");
      await writeFile(empty, "");
      const none = await fetch(filesUrl({ path: empty }), { headers: { "accept-encoding": "identity" } });
      expect(none.status).toBe(200);
      expect(await none.text()).toBe("");
    });

    it("resolves ~ and relative paths against the user's home", async () => {
      const name = `wrenn-files-${process.pid}.txt`;
      await writeFile(join("/root", name), "home");
      try {
        expect(await (await fetch(filesUrl({ path: `~/${name}` }))).text()).toBe("home");
        expect(await (await fetch(filesUrl({ path: name, username: "root" }))).text()).toBe("home");
      } finally {
        await rm(join("/root", name), { force: true });
      }
    });

    it("rejects bad requests with a JSON error", async () => {
      await expectError(await fetch(`${envd.url}/files`), 400, "path query parameter is required");
      await expectError(await fetch(filesUrl({ path: join(dir, "missing") })), 404, join(dir, "missing"));
      await expectError(await fetch(filesUrl({ path: dir })), 400, "is a directory");
      await expectError(await fetch(filesUrl({ path: dataPath, username: "ghost" })), 400, 'unknown user "ghost"');
      await expectError(await fetch(`${envd.url}/files?path=${encodeURIComponent(`${dir}/a\0b`)}`), 400, "NUL");
      await expectError(await fetch(filesUrl({ path: "x.txt", username: "nobody" })), 404, "nobody's home /nonexistent");
    });
  });

  describe("upload", () => {
    it("writes one file to the given path and reports it", async () => {
      const form = new FormData();
      form.append("file", new Blob([data]), "ignored-name.bin");
      const path = join(dir, "up", "one.bin");
      const res = await fetch(filesUrl({ path }), { method: "POST", body: form });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual([{ name: "one.bin", type: "file", path }]);
      expect((await readFile(path)).equals(data)).toBe(true);
    });

    it("writes several files into a directory under their own names", async () => {
      const target = join(dir, "multi");
      await mkdir(target);
      const form = new FormData();
      form.append("file", new Blob(["first"]), "a.txt");
      form.append("note", "not a file; ignored");
      form.append("file", new Blob(["second"]), "nested/b.txt");
      form.append("file", new Blob([]), "empty.txt");
      const res = await fetch(filesUrl({ path: target }), { method: "POST", body: form });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual([
        { name: "a.txt", type: "file", path: join(target, "a.txt") },
        { name: "b.txt", type: "file", path: join(target, "nested", "b.txt") },
        { name: "empty.txt", type: "file", path: join(target, "empty.txt") },
      ]);
      expect(await readFile(join(target, "a.txt"), "utf8")).toBe("first");
      expect(await readFile(join(target, "nested", "b.txt"), "utf8")).toBe("second");
      expect(await readFile(join(target, "empty.txt"), "utf8")).toBe("");
    });

    it("uses each part's file name, resolved like a user path, when path is omitted", async () => {
      const name = `wrenn-upload-${process.pid}.txt`;
      const form = new FormData();
      form.append("file", new Blob(["abs"]), join(dir, "by-name", "abs.txt"));
      form.append("file", new Blob(["rel"]), name);
      try {
        const res = await fetch(`${envd.url}/files`, { method: "POST", body: form });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual([
          { name: "abs.txt", type: "file", path: join(dir, "by-name", "abs.txt") },
          { name, type: "file", path: `/root/${name}` },
        ]);
        expect(await readFile(`/root/${name}`, "utf8")).toBe("rel");
      } finally {
        await rm(`/root/${name}`, { force: true });
      }
    });

    it("creates parent directories and the file owned by the user", async () => {
      const parent = join(dir, "owned");
      await mkdir(parent, { mode: 0o777 });
      const path = join(parent, "new", "deeper", "file.txt");
      const form = new FormData();
      form.append("file", new Blob(["mine"]), "file.txt");
      const res = await fetch(filesUrl({ path, username: "nobody" }), { method: "POST", body: form });
      expect(res.status).toBe(200);
      for (const p of [join(parent, "new"), join(parent, "new", "deeper"), path]) {
        const st = await stat(p);
        expect([p, st.uid, st.gid]).toEqual([p, 65534, 65534]);
      }
      expect((await stat(parent)).uid).toBe(0);
      expect((await stat(path)).mode & 0o777).toBe(0o644);
    });

    it("replaces an existing file and hands it to the uploading user", async () => {
      const path = join(dir, "replace.txt");
      await writeFile(path, "old contents that are longer");
      const form = new FormData();
      form.append("file", new Blob(["new"]), "replace.txt");
      const res = await fetch(filesUrl({ path, username: "nobody" }), { method: "POST", body: form });
      expect(res.status).toBe(200);
      expect(await readFile(path, "utf8")).toBe("new");
      expect((await stat(path)).uid).toBe(65534);
    });

    it("accepts a raw application/octet-stream body with a path", async () => {
      const path = join(dir, "raw", "raw.bin");
      const res = await fetch(filesUrl({ path }), {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: data,
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual([{ name: "raw.bin", type: "file", path }]);
      expect((await readFile(path)).equals(data)).toBe(true);
    });

    it("parses boundaries split across chunks and CR LF inside file data", async () => {
      const boundary = "wrennBoundary7";
      const content = Buffer.from(`line1\r\n--wrennBoundar\r\n--wrennBoundary\r\nnot-a-boundary-without-CRLF-before--wrennBoundary7x`);
      const body = Buffer.concat([
        Buffer.from(`preamble\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="tricky.txt"\r\n\r\n`),
        content,
        Buffer.from(`\r\n--${boundary}--\r\nepilogue`),
      ]);
      const path = join(dir, "tricky.txt");
      await new Promise<void>((resolve, reject) => {
        const req = request(filesUrl({ path }), {
          method: "POST",
          headers: { "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": body.length },
        }, (res) => {
          res.resume();
          res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
        });
        req.on("error", reject);
        // Three bytes at a time so every boundary straddles writes.
        let i = 0;
        const pump = (): void => {
          if (i >= body.length) {
            req.end();
            return;
          }
          req.write(body.subarray(i, i + 3));
          i += 3;
          setImmediate(pump);
        };
        pump();
      });
      // The content ends with "…--wrennBoundary7x" which has no CRLF before it, so it is data.
      expect((await readFile(path)).equals(content)).toBe(true);
    });

    it("rejects bad uploads with a JSON error", async () => {
      const post = (params: Record<string, string>, body: BodyInit, contentType?: string): Promise<Response> =>
        fetch(filesUrl(params), { method: "POST", body, headers: contentType ? { "content-type": contentType } : {} });

      await expectError(await post({ path: join(dir, "x") }, "hello", "text/plain"), 400, "unsupported Content-Type");
      await expectError(await post({ path: join(dir, "x") }, "hello", "multipart/form-data"), 400, "boundary");
      await expectError(await post({ path: join(dir, "x") }, "no boundary here at all", "multipart/form-data; boundary=zzz"), 400, "malformed multipart");
      await expectError(
        await post({ path: join(dir, "x") }, "--zzz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\ntruncated", "multipart/form-data; boundary=zzz"),
        400,
        "closing boundary is missing",
      );
      await expectError(
        await post({ path: join(dir, "x") }, "--zzz\r\nthis is not a header\r\n\r\nx\r\n--zzz--", "multipart/form-data; boundary=zzz"),
        400,
        "invalid part header",
      );

      const one = (): FormData => {
        const form = new FormData();
        form.append("file", new Blob(["x"]), "x.txt");
        return form;
      };
      await expectError(await post({ path: join(dir, "x"), username: "ghost" }, one()), 400, 'unknown user "ghost"');
      await expectError(await post({ path: `${dir}/a\0b` }, one()), 400, "NUL");
      await expectError(await post({ path: "x.txt", username: "nobody" }, one()), 404, "nobody's home /nonexistent");
      await writeFile(join(dir, "a-file"), "");
      await expectError(await post({ path: join(dir, "a-file", "below.txt") }, one()), 400, "not a directory");

      const two = one();
      two.append("file", new Blob(["y"]), "y.txt");
      await expectError(await post({ path: join(dir, "single.txt") }, two), 400, "more than one file");

      const nameless = new FormData();
      nameless.append("file", "plain field named file");
      await expectError(await post({}, nameless), 400, "no filename");
      await expectError(await post({}, "x", "application/octet-stream"), 400, "path query parameter is required");
      await mkdir(join(dir, "is-dir"), { recursive: true });
      await expectError(await post({ path: join(dir, "is-dir") }, "x", "application/octet-stream"), 400, "is a directory");
    });

    it("survives clients that go away mid-upload and mid-download", async () => {
      // An upload that stops after 1 MiB of a promised 16 MiB.
      await new Promise<void>((resolve) => {
        const req = request(filesUrl({ path: join(dir, "aborted.bin") }), {
          method: "POST",
          headers: { "content-type": "application/octet-stream", "content-length": 16 << 20 },
        });
        req.on("error", () => resolve());
        req.write(randomBytes(1 << 20), () => setTimeout(() => req.destroy(), 50));
      });
      // A download dropped after its first chunk.
      const big = join(dir, "big-for-abort.bin");
      await writeFile(big, randomBytes(32 << 20));
      await new Promise<void>((resolve, reject) => {
        request(filesUrl({ path: big }), { headers: { "accept-encoding": "identity" } }, (res) => {
          res.once("data", () => {
            res.destroy();
            resolve();
          });
        })
          .on("error", reject)
          .end();
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await fetch(`${envd.url}/health`)).status).toBe(200);
      const res = await fetch(filesUrl({ path: big }), { headers: { "accept-encoding": "identity", range: "bytes=-4" } });
      expect(res.status).toBe(206);
      expect((await res.arrayBuffer()).byteLength).toBe(4);
    });

    it("keeps serving after all the bad requests", async () => {
      const res = await fetch(`${envd.url}/health`);
      expect(res.status).toBe(200);
      expect(envd.child.exitCode).toBeNull();
    });
  });

  describe("over HTTP/2 (h2c)", () => {
    let session: ClientHttp2Session;
    beforeAll(() => {
      session = http2Connect(envd.url);
    });
    afterAll(() => {
      session?.close();
    });

    const exchange = (
      headers: Record<string, string>,
      body?: Buffer,
    ): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> =>
      new Promise((resolve, reject) => {
        const stream = session.request(headers);
        const chunks: Buffer[] = [];
        let head: Record<string, unknown> = {};
        stream.on("response", (h) => (head = h));
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => resolve({ status: Number(head[":status"]), headers: head, body: Buffer.concat(chunks) }));
        stream.on("error", reject);
        stream.end(body);
      });

    it("downloads whole files and ranges, and takes raw uploads", async () => {
      const path = `/files?path=${encodeURIComponent(dataPath)}`;
      const whole = await exchange({ ":path": path, "accept-encoding": "identity" });
      expect(whole.status).toBe(200);
      expect(whole.body.equals(data)).toBe(true);
      const part = await exchange({ ":path": path, range: "bytes=10-19" });
      expect(part.status).toBe(206);
      expect(part.body.equals(data.subarray(10, 20))).toBe(true);

      const target = join(dir, "h2", "up.bin");
      const up = await exchange(
        { ":method": "POST", ":path": `/files?path=${encodeURIComponent(target)}`, "content-type": "application/octet-stream" },
        data,
      );
      expect(up.status).toBe(200);
      expect((await readFile(target)).equals(data)).toBe(true);
    });
  });
});
