import { describe, expect, it } from "vitest";
import { EventQueue } from "./event-queue.js";

describe("build event queue", () => {
  it("delivers in order and ends after close", async () => {
    const queue = new EventQueue<number>();
    const got: number[] = [];
    const reading = (async () => {
      for await (const n of queue) got.push(n);
    })();
    await queue.push(1);
    await queue.push(2);
    queue.close();
    await reading;
    expect(got).toEqual([1, 2]);
  });

  it("makes a producer wait while the consumer lags, and fail once it is gone", async () => {
    const queue = new EventQueue<number>(2);
    await queue.push(1);
    await queue.push(2);
    let third = false;
    const pushing = queue.push(3).then(() => (third = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(third).toBe(false);
    const reader = queue[Symbol.asyncIterator]();
    expect((await reader.next()).value).toBe(1);
    await pushing;
    expect(third).toBe(true);
    await reader.return?.(undefined);
    await expect(queue.push(4)).rejects.toThrow(/went away/);
  });
});
