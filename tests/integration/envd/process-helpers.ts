import { readdirSync, readFileSync } from "node:fs";
import { expect } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ProcessEvent_EndEvent } from "@wrenn/proto/envd/process";

interface EventResponse {
  event?: { event: { case: string | undefined; value?: unknown } };
}

export interface Collected {
  pid: number;
  stdout: string;
  stderr: string;
  pty: string;
  end: ProcessEvent_EndEvent | undefined;
  keepalives: number;
  /** Event kinds in arrival order, e.g. ["start", "data", "end"]. */
  order: string[];
}

/** Reads a Start/Connect stream to its end and gathers what came. */
export async function collect(stream: AsyncIterable<EventResponse>): Promise<Collected> {
  const out: Collected = { pid: 0, stdout: "", stderr: "", pty: "", end: undefined, keepalives: 0, order: [] };
  for await (const res of stream) {
    const event = res.event?.event;
    if (!event?.case) continue;
    out.order.push(event.case);
    if (event.case === "start") out.pid = (event.value as { pid: number }).pid;
    if (event.case === "keepalive") out.keepalives++;
    if (event.case === "end") out.end = event.value as ProcessEvent_EndEvent;
    if (event.case === "data") {
      const output = (event.value as { output: { case: "stdout" | "stderr" | "pty"; value: Uint8Array } }).output;
      out[output.case] += Buffer.from(output.value).toString("utf8");
    }
  }
  return out;
}

/** Pulls events until one satisfies `until`; returns the text seen on the way (all streams). */
export async function readUntil(
  it: AsyncIterator<EventResponse>,
  until: (text: string, kind: string | undefined) => boolean,
): Promise<string> {
  let text = "";
  for (;;) {
    const next = await it.next();
    if (next.done) throw new Error(`stream ended before the expected output; saw: ${JSON.stringify(text)}`);
    const event = next.value.event?.event;
    if (event?.case === "data") {
      text += Buffer.from((event.value as { output: { value: Uint8Array } }).output.value).toString("utf8");
    }
    if (until(text, event?.case)) return text;
  }
}

/** Asserts that `fn` fails with a ConnectError of `code` whose message matches `message`. */
export async function expectConnectError(fn: () => Promise<unknown>, code: Code, message?: RegExp): Promise<ConnectError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectError);
    const connectErr = err as ConnectError;
    expect(Code[connectErr.code], connectErr.rawMessage).toBe(Code[code]);
    if (message) expect(connectErr.rawMessage).toMatch(message);
    return connectErr;
  }
  throw new Error(`expected ConnectError ${Code[code]}, but the call succeeded`);
}

/** First event of a stream (consumes the whole stream when it fails early). */
export async function firstEvent(stream: AsyncIterable<EventResponse>): Promise<string | undefined> {
  for await (const res of stream) return res.event?.event.case;
  return undefined;
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resident set size of a process in MB. */
export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? NaN) / 1024;
}

/** `pid`'s children as [pid, state] from /proc (state "Z" is a zombie). */
export function childrenOf(pid: number): Array<[number, string]> {
  const children: Array<[number, string]> = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    // pid (comm) state ppid ...; comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[1]) === pid) children.push([Number(entry), fields[0]!]);
  }
  return children;
}

/** True when the process is gone or dead (a zombie waiting for someone else to reap it). */
export function isGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

export async function initEnvd(url: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${url}/init`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status, await res.text()).toBeLessThan(300);
}
