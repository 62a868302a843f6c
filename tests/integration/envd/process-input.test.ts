import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { StreamInputRequestSchema } from "@wrenn/proto/envd/process";
import { envdClients, startEnvd, type RunningEnvd } from "@wrenn/testkit";
import { collect, expectConnectError } from "./process-helpers.js";

type StreamInputInit = MessageInitShape<typeof StreamInputRequestSchema>;

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const byPid = (pid: number) => ({ selector: { case: "pid" as const, value: pid } });

describe("envd process input", () => {
  let envd: RunningEnvd;
  beforeAll(async () => {
    envd = await startEnvd();
  });
  afterAll(async () => {
    await envd?.stop();
  });

  async function startCat(client = envdClients(envd.url).process) {
    const it = client.start({ process: { cmd: "cat" } })[Symbol.asyncIterator]();
    const pid = ((await it.next()).value?.event?.event.value as { pid: number }).pid;
    return { it, pid, rest: () => collect({ [Symbol.asyncIterator]: () => it }) };
  }

  it("SendInput writes to stdin and CloseStdin ends it", async () => {
    const client = envdClients(envd.url).process;
    const cat = await startCat();
    await client.sendInput({ process: byPid(cat.pid), input: { input: { case: "stdin", value: text("hello ") } } });
    await client.sendInput({ process: byPid(cat.pid), input: { input: { case: "stdin", value: text("world\n") } } });
    await client.closeStdin({ process: byPid(cat.pid) });
    // Closing twice is harmless; writing after close is a clear error.
    await client.closeStdin({ process: byPid(cat.pid) }).catch(() => undefined);
    const run = await cat.rest();
    expect(run.stdout).toBe("hello world\n");
    expect(run.end?.exitCode).toBe(0);
  });

  it("rejects input to a closed stdin, to stdin: false, as pty bytes, and without input", async () => {
    const client = envdClients(envd.url).process;
    const cat = await startCat();
    await expectConnectError(() => client.sendInput({ process: byPid(cat.pid), input: { input: { case: "pty", value: text("x") } } }), Code.FailedPrecondition, /no PTY/);
    await expectConnectError(() => client.sendInput({ process: byPid(cat.pid) }), Code.InvalidArgument, /input is required/);
    await client.closeStdin({ process: byPid(cat.pid) });
    await cat.rest();

    const it = client.start({ process: { cmd: "sleep", args: ["5"] }, stdin: false })[Symbol.asyncIterator]();
    const pid = ((await it.next()).value?.event?.event.value as { pid: number }).pid;
    await expectConnectError(
      () => client.sendInput({ process: byPid(pid), input: { input: { case: "stdin", value: text("x") } } }),
      Code.FailedPrecondition,
      /stdin disabled/,
    );
    await client.sendSignal({ process: byPid(pid), signal: 9 });
    await collect({ [Symbol.asyncIterator]: () => it });
  });

  it("StreamInput over HTTP/2 delivers every chunk in order", async () => {
    const client = envdClients(envd.url, { httpVersion: "2" }).process;
    const it = client.start({ process: { cmd: "sha256sum" } })[Symbol.asyncIterator]();
    const pid = ((await it.next()).value?.event?.event.value as { pid: number }).pid;

    const chunks = Array.from({ length: 64 }, (_, i) => randomBytes(4096 + i * 1000));
    const expected = createHash("sha256");
    for (const chunk of chunks) expected.update(chunk);

    async function* requests(): AsyncGenerator<StreamInputInit> {
      yield { event: { case: "start", value: { process: byPid(pid) } } };
      for (const [i, chunk] of chunks.entries()) {
        yield { event: { case: "data", value: { input: { input: { case: "stdin", value: chunk } } } } };
        if (i % 16 === 0) yield { event: { case: "keepalive", value: {} } };
      }
    }
    await client.streamInput(requests());
    await client.closeStdin({ process: byPid(pid) });
    const run = await collect({ [Symbol.asyncIterator]: () => it });
    expect(run.stdout.split(" ")[0]).toBe(expected.digest("hex"));
  });

  it("StreamInput needs a start event first and answers not_found for an unknown process", async () => {
    const client = envdClients(envd.url, { httpVersion: "2" }).process;
    async function* dataFirst(): AsyncGenerator<StreamInputInit> {
      yield { event: { case: "data", value: { input: { input: { case: "stdin", value: text("x") } } } } };
    }
    await expectConnectError(() => client.streamInput(dataFirst()), Code.InvalidArgument, /start event/);
    async function* unknown(): AsyncGenerator<StreamInputInit> {
      yield { event: { case: "start", value: { process: byPid(999_999_999) } } };
    }
    await expectConnectError(() => client.streamInput(unknown()), Code.NotFound, /pid 999999999/);
  });
});
