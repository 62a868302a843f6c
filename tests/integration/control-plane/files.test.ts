// Files through the REST API against real capsules: buffered and streamed transfers (1 GB
// with flat memory in the control plane), directory operations, limits and isolation.
import { createHash, randomBytes } from "node:crypto";
import { request } from "node:http";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { dbBackends } from "@wrenn/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { expectNoLeftovers, startTestAgent, type TestAgent } from "./support/agent.js";
import { startStack, type Stack } from "./support/stack.js";

const MiB = 1024 * 1024;
setFlagsFromString("--expose-gc");
/** A full collection, so the memory baseline is not inflated by earlier tests' garbage. */
const collectGarbage = runInNewContext("gc") as () => void;
let agent: TestAgent;
/** Every capsule this file created, to check that none left anything on the host. */
const everCreated = new Set<string>();

beforeAll(async () => {
  agent = await startTestAgent("cp-files", "10.22.0.0/16");
}, 300_000);

afterAll(async () => {
  expectNoLeftovers(await agent?.shutdown(), everCreated);
}, 120_000);

/** Deterministic 1 MiB blocks, each stamped with its index so a misplaced block changes the hash. */
function block(seed: Buffer, index: number): Buffer {
  const out = Buffer.from(seed);
  out.writeUInt32BE(index, 0);
  return out;
}

/**
 * POSTs a multipart body (`path` field, then the file) with node:http, block by block as
 * the socket drains, so the test holds nothing close to the whole file. (fetch with a
 * ReadableStream body keeps every chunk until the request ends, which would hide the
 * control plane's own memory behind the client's.)
 */
function postMultipart(
  url: string,
  apiKey: string,
  path: string,
  blocks: number,
  hash: ReturnType<typeof createHash>,
  options: { abortAfterBlocks?: number } = {},
): Promise<{ status: number; text: string }> {
  const boundary = `wrenn-${randomBytes(8).toString("hex")}`;
  const seed = createHash("sha512").update("wrenn").digest();
  const base = Buffer.concat(Array.from({ length: MiB / seed.length }, (_, i) => createHash("sha512").update(seed).update(String(i)).digest()));
  const head =
    `--${boundary}\r\nContent-Disposition: form-data; name="path"\r\n\r\n${path}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "x-api-key": apiKey, "content-type": `multipart/form-data; boundary=${boundary}` } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    const write = (data: Buffer | string): Promise<void> => new Promise((r) => (req.write(data) ? r() : req.once("drain", () => r())));
    void (async () => {
      await write(head);
      for (let i = 0; i < blocks; i++) {
        if (i === options.abortAfterBlocks) return void req.destroy(new Error("client went away"));
        if (req.destroyed) return;
        const data = block(base, i);
        hash.update(data);
        await write(data);
      }
      req.end(`\r\n--${boundary}--\r\n`);
    })();
  });
}

describe.each(dbBackends)("files on %s", (backend) => {
  let stack: Stack;
  let id: string;
  const post = (route: string, body: unknown, auth?: string) => stack.api("POST", `/v1/capsules/${id}/files/${route}`, { body, ...(auth ? { auth } : {}) });
  const upload = async (route: string, path: string | undefined, data: Uint8Array, opts: { query?: string; auth?: string } = {}) => {
    const form = new FormData();
    if (path !== undefined) form.append("path", path);
    form.append("file", new Blob([data]));
    return fetch(`${stack.url}/v1/capsules/${id}/files/${route}${opts.query ?? ""}`, { method: "POST", headers: { "x-api-key": opts.auth ?? stack.account.apiKey }, body: form });
  };
  const sh = async (script: string): Promise<string> => {
    const res = await stack.api("POST", `/v1/capsules/${id}/exec`, { body: { cmd: "/bin/bash", args: ["-c", script], timeout_sec: 300 } });
    expect(res.status, res.text).toBe(200);
    return res.body.stdout;
  };

  beforeAll(async () => {
    stack = await startStack({ backend, postgresUrl: inject("postgresUrl"), agentUrl: agent.url });
    const res = await stack.api("POST", "/v1/capsules", { body: { timeout_sec: 0 } });
    expect(res.status, res.text).toBe(201);
    id = res.body.id;
    everCreated.add(id);
  }, 120_000);

  afterAll(async () => {
    if (id) await stack.api("DELETE", `/v1/capsules/${id}`);
    await stack?.close();
  });

  it("writes and reads bytes exactly (buffered), by absolute, relative and query path", async () => {
    const data = Buffer.from(Array.from({ length: 256 * 4 }, (_, i) => i % 256));
    const written = await upload("write", "/home/user/bytes.bin", data);
    expect(written.status, await written.text()).toBe(204);
    const read = await post("read", { path: "/home/user/bytes.bin" });
    expect(read.status).toBe(200);
    expect(read.headers.get("content-type")).toBe("application/octet-stream");
    const raw = await fetch(`${stack.url}/v1/capsules/${id}/files/read`, {
      method: "POST",
      headers: { "x-api-key": stack.account.apiKey, "content-type": "application/json" },
      body: JSON.stringify({ path: "bytes.bin" }),
    });
    expect(Buffer.from(await raw.arrayBuffer())).toEqual(data);

    expect((await upload("write", undefined, Buffer.from("via query"), { query: "?path=notes/q.txt" })).status).toBe(204);
    expect(await sh("cat /home/user/notes/q.txt; echo; stat -c %U /home/user/notes/q.txt")).toBe("via query\nuser\n");
    expect((await upload("write", "/root/as-root.txt", Buffer.from("r"), { query: "?user=root" })).status).toBe(204);
    expect((await post("stat", { path: "/root/as-root.txt", user: "root" })).body.owner).toBe("root");
  });

  it("lists, stats, makes directories idempotently, moves and removes", async () => {
    const made = await post("mkdir", { path: "/home/user/tree/sub" });
    expect(made.status).toBe(200);
    expect(made.body).toMatchObject({ name: "sub", path: "/home/user/tree/sub", type: "directory", owner: "user" });
    const again = await post("mkdir", { path: "/home/user/tree/sub" });
    expect(again.status).toBe(200);
    expect(again.body.path).toBe("/home/user/tree/sub");
    expect((await upload("write", "/home/user/tree/sub/f.txt", Buffer.from("hello"))).status).toBe(204);
    await sh("ln -s /home/user/tree/sub/f.txt /home/user/tree/link");

    const shallow = await post("list", { path: "/home/user/tree" });
    expect(shallow.body.entries.map((e: any) => `${e.type}:${e.name}`).sort()).toEqual(["directory:sub", "symlink:link"]);
    expect(shallow.body.entries.find((e: any) => e.name === "link").symlink_target).toBe("/home/user/tree/sub/f.txt");
    const deep = await post("list", { path: "/home/user/tree", depth: 2 });
    expect(deep.body.entries.map((e: any) => e.path).sort()).toEqual(["/home/user/tree/link", "/home/user/tree/sub", "/home/user/tree/sub/f.txt"]);

    const stat = await post("stat", { path: "/home/user/tree/sub/f.txt" });
    expect(stat.body).toMatchObject({ type: "file", size: 5, permissions: expect.stringMatching(/^-rw/), owner: "user", group: "user" });
    expect(Date.parse(stat.body.modified_at)).toBeGreaterThan(Date.now() - 60_000);

    const moved = await post("move", { source: "/home/user/tree/sub/f.txt", destination: "/home/user/tree/g.txt" });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ name: "g.txt", path: "/home/user/tree/g.txt" });
    expect((await post("stat", { path: "/home/user/tree/sub/f.txt" })).status).toBe(404);

    expect((await post("remove", { path: "/home/user/tree" })).status).toBe(204);
    const gone = await post("stat", { path: "/home/user/tree" });
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe("not_found");
    expect((await post("read", { path: "/home/user/nope.txt" })).status).toBe(404);
  });

  it("refuses bad paths and malformed uploads with 400, oversized buffered ones with 413, and changes nothing", async () => {
    for (const body of [{ path: "" }, { path: "a\u0000b" }, { path: "x".repeat(4097) }, {}, { path: 7 }, { path: "/tmp", depth: 11 }, { path: "/tmp", user: "bad user" }]) {
      const res = await post(body === undefined ? "stat" : "list", body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    }
    expect((await post("move", { source: "/tmp/a" })).status).toBe(400);
    expect((await post("read", "{oops")).status).toBe(400);
    expect((await upload("write", undefined, Buffer.from("x"))).status).toBe(400);
    expect((await upload("write", "/tmp/x\u0000y", Buffer.from("x"))).status).toBe(400);
    const notMultipart = await post("write", { path: "/tmp/x", file: "x" });
    expect(notMultipart.status).toBe(400);

    // Declared too large: refused before a byte is read.
    const big = Buffer.alloc(100 * MiB + 1, 1);
    const declared = await upload("write", "/home/user/too-big.bin", big);
    expect(declared.status).toBe(413);
    expect((await declared.json()).error).toMatchObject({ code: "too_large", message: expect.stringContaining("stream/write") });
    // Undeclared (chunked) and too large: refused once the limit passes.
    const counted = await postMultipart(`${stack.url}/v1/capsules/${id}/files/write`, stack.account.apiKey, "/home/user/too-big.bin", 101, createHash("sha256"));
    expect(counted.status).toBe(413);
    expect((await post("stat", { path: "/home/user/too-big.bin" })).status).toBe(404);

    await sh("head -c $((100 * 1024 * 1024 + 1)) /dev/zero > /home/user/big-read.bin");
    const tooBigToRead = await post("read", { path: "/home/user/big-read.bin" });
    expect(tooBigToRead.status).toBe(413);
    expect(tooBigToRead.body.error.message).toContain("stream/read");
    await sh("rm /home/user/big-read.bin");
  }, 60_000);

  it("hides files from another team", async () => {
    const other = await stack.newAccount(`files-other-${backend}-${Date.now()}@example.test`);
    const hostname = await sh("cat /etc/hostname");
    for (const [route, body] of [
      ["read", { path: "/etc/hostname" }],
      ["stream/read", { path: "/etc/hostname" }],
      ["list", { path: "/" }],
      ["stat", { path: "/" }],
      ["mkdir", { path: "/tmp/intruder" }],
      ["move", { source: "/etc/hostname", destination: "/tmp/h" }],
      ["remove", { path: "/etc/hostname" }],
    ] as const) {
      expect((await post(route, body, other.apiKey)).status, route).toBe(404);
    }
    for (const route of ["write", "stream/write"]) expect((await upload(route, "/tmp/intruder", Buffer.from("x"), { auth: other.apiKey })).status, route).toBe(404);
    expect(await sh("ls /tmp/intruder /tmp/h 2>&1 | wc -l; cat /etc/hostname")).toBe(`2\n${hostname}`);
  });

  // Streaming never touches the database: the two heavy transfer tests are registered for
  // one back end only (not skipped on the other).
  const streamingIt = backend === "pglite" ? it : (undefined as unknown as typeof it);
  if (streamingIt) streamingIt(
    "streams 1 GB in and out end to end with flat control-plane memory",
    async () => {
      const blocks = 1024;
      const path = "/home/user/big.bin";
      // Warm up both routes so lazily allocated pools do not count as growth.
      expect((await upload("stream/write", "/home/user/warm.bin", randomBytes(4 * MiB))).status).toBe(204);
      await (await fetch(`${stack.url}/v1/capsules/${id}/files/stream/read`, { method: "POST", headers: { "x-api-key": stack.account.apiKey, "content-type": "application/json" }, body: JSON.stringify({ path: "/home/user/warm.bin" }) })).arrayBuffer();

      collectGarbage();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
      try {
        const sent = createHash("sha256");
        const began = performance.now();
        const res = await postMultipart(`${stack.url}/v1/capsules/${id}/files/stream/write`, stack.account.apiKey, path, blocks, sent);
        expect(res.status, res.text).toBe(204);
        const uploadMs = performance.now() - began;
        const expected = sent.digest("hex");

        const readBegan = performance.now();
        const down = await fetch(`${stack.url}/v1/capsules/${id}/files/stream/read`, {
          method: "POST",
          headers: { "x-api-key": stack.account.apiKey, "content-type": "application/json" },
          body: JSON.stringify({ path }),
        });
        expect(down.status).toBe(200);
        const received = createHash("sha256");
        let size = 0;
        for await (const chunk of down.body as unknown as AsyncIterable<Uint8Array>) {
          received.update(chunk);
          size += chunk.length;
        }
        const downloadMs = performance.now() - readBegan;
        expect(size).toBe(blocks * MiB);
        expect(received.digest("hex")).toBe(expected);
        console.log(
          `1 GiB via REST: stream/write ${Math.round((blocks / uploadMs) * 1000)} MiB/s, stream/read ${Math.round((blocks / downloadMs) * 1000)} MiB/s, ` +
            `RSS growth ${Math.round((peak - baseline) / MiB)} MiB`,
        );
        expect(peak - baseline).toBeLessThan(150 * MiB);

        const inside = await sh(`stat -c %s ${path}; sha256sum ${path} | cut -d' ' -f1; rm -f ${path} /home/user/warm.bin`);
        expect(inside).toBe(`${blocks * MiB}\n${expected}\n`);
      } finally {
        clearInterval(sampler);
      }
    },
    240_000,
  );

  if (streamingIt) streamingIt("cancels the transfer when the client goes away, and keeps serving", async () => {
    const aborted = await postMultipart(`${stack.url}/v1/capsules/${id}/files/stream/write`, stack.account.apiKey, "/home/user/aborted.bin", 2048, createHash("sha256"), {
      abortAfterBlocks: 64,
    }).catch((err: unknown) => err);
    expect(aborted).toBeInstanceOf(Error);

    await sh("head -c $((256 * 1024 * 1024)) /dev/zero > /home/user/zeros.bin");
    const download = new AbortController();
    const res = await fetch(`${stack.url}/v1/capsules/${id}/files/stream/read`, {
      method: "POST",
      headers: { "x-api-key": stack.account.apiKey, "content-type": "application/json" },
      body: JSON.stringify({ path: "/home/user/zeros.bin" }),
      signal: download.signal,
    });
    expect(res.status).toBe(200);
    await res.body!.getReader().read();
    download.abort();

    await new Promise((r) => setTimeout(r, 500));
    const size = Number(await sh("stat -c %s /home/user/aborted.bin 2>/dev/null || echo 0"));
    expect(size).toBeLessThan(2048 * MiB);
    expect((await post("stat", { path: "/home/user/zeros.bin" })).body.size).toBe(256 * MiB);
    await sh("rm -f /home/user/zeros.bin /home/user/aborted.bin");
  }, 60_000);
});
