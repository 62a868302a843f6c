import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { FileType, FsEventType, type WriteFileStreamRequest } from "@wrenn/proto/hostagent/v1";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { WriteFileStreamRequestSchema } from "@wrenn/proto/hostagent/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent, type TestAgent } from "./support/agent.js";

const codeOf = (err: unknown): Code | undefined => (err instanceof ConnectError ? err.code : undefined);

describe("host agent RPC: files", () => {
  let agent: TestAgent;
  let id: string;
  let dir: string;

  beforeAll(async () => {
    agent = await startTestAgent();
    id = await agent.newCapsule();
    dir = await mkdtemp(join(tmpdir(), "wrenn-agent-files-"));
  });
  afterAll(async () => {
    await agent?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("writes and reads a small file, binary-safe, and answers the entry", async () => {
    const data = Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 13]);
    const { entry } = await agent.client.writeFile({ capsuleId: id, path: join(dir, "a", "b.bin"), data });
    expect(entry).toMatchObject({ name: "b.bin", path: join(dir, "a", "b.bin"), type: FileType.FILE, size: BigInt(data.length) });
    const read = await agent.client.readFile({ capsuleId: id, path: join(dir, "a", "b.bin") });
    expect(Buffer.from(read.data)).toEqual(data);
  });

  it("answers NotFound for a file that does not exist", async () => {
    const err = await agent.client.readFile({ capsuleId: id, path: join(dir, "missing") }).catch((e: unknown) => e);
    expect(codeOf(err)).toBe(Code.NotFound);
    expect((err as ConnectError).rawMessage).toContain("missing");
  });

  it("streams 200 MB in and out with matching sha256, without holding it whole", async () => {
    const path = join(dir, "big.bin");
    const block = randomBytes(1 << 20);
    const total = 200;
    const written = createHash("sha256");
    async function* upload(): AsyncGenerator<MessageInitShape<typeof WriteFileStreamRequestSchema>> {
      yield { part: { case: "header", value: { capsuleId: id, path } } };
      for (let i = 0; i < total; i++) {
        // Vary each block so a misplaced chunk changes the hash.
        const chunk = Buffer.from(block);
        chunk.writeUInt32BE(i, 0);
        written.update(chunk);
        yield { part: { case: "chunk", value: chunk } };
      }
    }
    const began = performance.now();
    const { entry } = await agent.client.writeFileStream(upload());
    const writeMs = performance.now() - began;
    expect(entry?.size).toBe(BigInt(total << 20));

    const read = createHash("sha256");
    let size = 0;
    const readBegan = performance.now();
    for await (const res of agent.client.readFileStream({ capsuleId: id, path })) {
      read.update(res.chunk);
      size += res.chunk.length;
    }
    const readMs = performance.now() - readBegan;
    expect(size).toBe(total << 20);
    expect(read.digest("hex")).toBe(written.digest("hex"));
    console.log(`200 MiB: WriteFileStream ${Math.round((total / writeMs) * 1000)} MiB/s, ReadFileStream ${Math.round((total / readMs) * 1000)} MiB/s`);
    await agent.client.removePath({ capsuleId: id, path });
  }, 120_000);

  it("refuses a header-less WriteFileStream with InvalidArgument", async () => {
    async function* upload(): AsyncGenerator<WriteFileStreamRequest | MessageInitShape<typeof WriteFileStreamRequestSchema>> {
      yield { part: { case: "chunk", value: Buffer.from("x") } };
    }
    const err = await agent.client.writeFileStream(upload()).catch((e: unknown) => e);
    expect(codeOf(err)).toBe(Code.InvalidArgument);
  });

  it("passes envd's refusal of a streamed upload through, even mid-stream", async () => {
    await agent.client.makeDir({ capsuleId: id, path: join(dir, "a-dir") });
    async function* upload(): AsyncGenerator<MessageInitShape<typeof WriteFileStreamRequestSchema>> {
      yield { part: { case: "header", value: { capsuleId: id, path: join(dir, "a-dir") } } };
      for (let i = 0; i < 64; i++) yield { part: { case: "chunk", value: Buffer.alloc(1 << 20) } };
    }
    const err = await agent.client.writeFileStream(upload()).catch((e: unknown) => e);
    expect(codeOf(err)).toBe(Code.InvalidArgument);
    expect((err as ConnectError).rawMessage).toMatch(/directory/);
  });

  it("lists, stats, makes (idempotently), moves and removes", async () => {
    const base = join(dir, "tree");
    const made = await agent.client.makeDir({ capsuleId: id, path: join(base, "sub") });
    expect(made.entry).toMatchObject({ name: "sub", type: FileType.DIRECTORY });
    const again = await agent.client.makeDir({ capsuleId: id, path: join(base, "sub") });
    expect(again.entry?.path).toBe(join(base, "sub"));
    await agent.client.writeFile({ capsuleId: id, path: join(base, "sub", "f.txt"), data: Buffer.from("hello") });

    const shallow = await agent.client.listDir({ capsuleId: id, path: base });
    expect(shallow.entries.map((e) => e.name)).toEqual(["sub"]);
    const deep = await agent.client.listDir({ capsuleId: id, path: base, depth: 2 });
    expect(deep.entries.map((e) => e.path).sort()).toEqual([join(base, "sub"), join(base, "sub", "f.txt")]);

    const stat = await agent.client.stat({ capsuleId: id, path: join(base, "sub", "f.txt") });
    expect(stat.entry).toMatchObject({ type: FileType.FILE, size: 5n });
    expect(stat.entry?.modifiedAt?.seconds).toBeGreaterThan(0n);

    const moved = await agent.client.move({ capsuleId: id, source: join(base, "sub", "f.txt"), destination: join(base, "g.txt") });
    expect(moved.entry).toMatchObject({ name: "g.txt", path: join(base, "g.txt") });

    await agent.client.removePath({ capsuleId: id, path: join(base, "sub") });
    const after = await agent.client.listDir({ capsuleId: id, path: base });
    expect(after.entries.map((e) => e.name)).toEqual(["g.txt"]);

    const err = await agent.client.stat({ capsuleId: id, path: join(base, "sub") }).catch((e: unknown) => e);
    expect(codeOf(err)).toBe(Code.NotFound);
  });

  it("rejects an empty path with InvalidArgument", async () => {
    const err = await agent.client.stat({ capsuleId: id, path: "" }).catch((e: unknown) => e);
    expect(codeOf(err)).toBe(Code.InvalidArgument);
  });

  it("streams directory events with WatchDir", async () => {
    const watched = join(dir, "watched");
    await agent.client.makeDir({ capsuleId: id, path: watched });
    const abort = new AbortController();
    const events: { type: FsEventType; name: string }[] = [];
    const stream = agent.client.watchDir({ capsuleId: id, path: watched }, { signal: abort.signal });
    const iterator = stream[Symbol.asyncIterator]();
    // The first message (a keepalive) says the watch is in place.
    expect((await iterator.next()).value?.event.case).toBe("keepalive");
    await agent.client.writeFile({ capsuleId: id, path: join(watched, "new.txt"), data: Buffer.from("x") });
    await agent.client.removePath({ capsuleId: id, path: join(watched, "new.txt") });
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      if (next.value.event.case === "fs") events.push(next.value.event.value);
      if (events.some((e) => e.type === FsEventType.REMOVE)) break;
    }
    abort.abort();
    expect(events[0]).toEqual(expect.objectContaining({ type: FsEventType.CREATE, name: "new.txt" }));
    expect(events.at(-1)).toEqual(expect.objectContaining({ type: FsEventType.REMOVE, name: "new.txt" }));
  });
});
