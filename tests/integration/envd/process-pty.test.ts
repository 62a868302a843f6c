import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { envdClients, startEnvd, type EnvdClients, type RunningEnvd } from "@wrenn/testkit";
import { collect, expectConnectError, readUntil } from "./process-helpers.js";

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

describe("envd process PTY", () => {
  let envd: RunningEnvd;
  let client: EnvdClients["process"];
  beforeAll(async () => {
    envd = await startEnvd();
    client = envdClients(envd.url).process;
  });
  afterAll(async () => {
    await envd?.stop();
  });

  it("takes input, resizes and reports the exit, with output as pty data", async () => {
    const stream = client.start({
      process: { cmd: "/bin/sh", envs: { PS1: "$ " } },
      pty: { size: { cols: 80, rows: 24 } },
      tag: "pty-shell",
    });
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value?.event?.event.case).toBe("start");
    const pid = (first.value?.event?.event.value as { pid: number }).pid;
    const selector = { selector: { case: "pid" as const, value: pid } };

    await client.sendInput({ process: selector, input: { input: { case: "pty", value: text("stty size; echo term=$TERM\n") } } });
    const sized = await readUntil(it, (seen) => seen.includes("term=xterm-256color"));
    expect(sized).toContain("24 80");
    expect(sized).toContain("term=xterm-256color");

    await client.update({ process: { selector: { case: "tag", value: "pty-shell" } }, pty: { size: { cols: 100, rows: 30 } } });
    await client.sendInput({ process: selector, input: { input: { case: "pty", value: text("stty size\n") } } });
    expect(await readUntil(it, (seen) => seen.includes("30 100"))).toContain("30 100");

    // A PTY has no separate stdin: its input goes as pty bytes, EOF as Ctrl-D.
    await expectConnectError(() => client.closeStdin({ process: selector }), Code.FailedPrecondition, /Ctrl-D/);
    await expectConnectError(
      () => client.sendInput({ process: selector, input: { input: { case: "stdin", value: text("x") } } }),
      Code.FailedPrecondition,
      /send input as pty/,
    );

    await client.sendInput({ process: selector, input: { input: { case: "pty", value: text("exit 7\n") } } });
    const rest = await collect({ [Symbol.asyncIterator]: () => it });
    expect(rest.stdout).toBe("");
    expect(rest.stderr).toBe("");
    expect(rest.end).toMatchObject({ exitCode: 7, exited: true, status: "exit status 7" });
  });

  it("ends a PTY process on Ctrl-D", async () => {
    const stream = client.start({ process: { cmd: "cat" }, pty: { size: { cols: 80, rows: 24 } } });
    const it = stream[Symbol.asyncIterator]();
    const pid = ((await it.next()).value?.event?.event.value as { pid: number }).pid;
    const selector = { selector: { case: "pid" as const, value: pid } };
    await client.sendInput({ process: selector, input: { input: { case: "pty", value: text("hello\n") } } });
    // The terminal echoes the input and cat writes it back, both with CRLF.
    let seen = "";
    while (!seen.includes("hello\r\nhello\r\n")) {
      const next = await it.next();
      const event = next.value?.event?.event;
      if (next.done || event?.case === "end") throw new Error(`cat ended before echoing: ${JSON.stringify(seen)}`);
      if (event?.case === "data" && event.value.output.case === "pty") seen += Buffer.from(event.value.output.value).toString();
    }
    await client.sendInput({ process: selector, input: { input: { case: "pty", value: text("\x04") } } });
    const rest = await collect({ [Symbol.asyncIterator]: () => it });
    expect(rest.end?.exitCode).toBe(0);
  });

  it("runs a PTY process as a non-root user", async () => {
    const nobody = envdClients(envd.url, { user: "nobody" }).process;
    const run = await collect(nobody.start({ process: { cmd: "/bin/sh", args: ["-c", "id -u; tty"] }, pty: { size: { cols: 80, rows: 24 } } }));
    expect(run.pty).toMatch(/^65534\r\n\/dev\/pts\/\d+\r\n$/);
    expect(run.end?.exitCode).toBe(0);
  });

  it("rejects resizing a process without a PTY and bad sizes", async () => {
    const stream = client.start({ process: { cmd: "sleep", args: ["5"] } });
    const it = stream[Symbol.asyncIterator]();
    const pid = ((await it.next()).value?.event?.event.value as { pid: number }).pid;
    const selector = { selector: { case: "pid" as const, value: pid } };
    await expectConnectError(() => client.update({ process: selector, pty: { size: { cols: 10, rows: 10 } } }), Code.FailedPrecondition, /no PTY/);
    await expectConnectError(() => client.update({ process: selector }), Code.InvalidArgument, /pty\.size is required/);
    await expectConnectError(() => client.update({ process: selector, pty: { size: { cols: 0, rows: 10 } } }), Code.InvalidArgument, /from 1 to 65535/);
    await client.sendSignal({ process: selector, signal: 9 });
    await collect({ [Symbol.asyncIterator]: () => it });
  });
});
