import { afterAll, describe, expect, it } from "vitest";
import { WrennError } from "@wrenn/core";
import { IpSession } from "./ip-session.js";

describe("IpSession", () => {
  let session: IpSession;
  afterAll(() => session?.close());

  it("runs batches in one long-lived ip process and matches errors to their command", async () => {
    session = await IpSession.open();
    await session.run(["link show dev lo", "route show table main"]);
    const err = await session.run(["link show dev lo", "link show dev wrenn-nonexist", "link show dev lo"]).catch((e: unknown) => e);
    expect(WrennError.is(err, "internal_error")).toBe(true);
    expect((err as Error).message).toBe('ip link show dev wrenn-nonexist failed: Device "wrenn-nonexist" does not exist.');
    await session.run([{ cmd: "link show dev wrenn-nonexist", optional: true }]);
    // Batches sent together settle independently and in order.
    const results = await Promise.allSettled([session.run(["link show dev lo"]), session.run(["link show dev nope0"]), session.run([])]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(session.alive).toBe(true);
  });

  it("reports a session that cannot start", async () => {
    await expect(IpSession.open("wrenn-no-such-netns")).rejects.toThrow(/ip -n wrenn-no-such-netns -batch failed/);
  });

  it("rejects multi-line commands", () => {
    expect(() => session.run(["link show\nlink del lo"])).toThrow(/one line/);
  });
});
