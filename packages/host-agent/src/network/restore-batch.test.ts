import { describe, expect, it } from "vitest";
import { RestoreBatch, mergeRestoreInputs } from "./restore-batch.js";

describe("RestoreBatch", () => {
  it("merges inputs table by table, in order", () => {
    expect(mergeRestoreInputs(["*filter\n:A - [0:0]\n-A A -j DROP\nCOMMIT\n", "*filter\n-A B -j ACCEPT\nCOMMIT\n*nat\n-A N -j MASQUERADE\nCOMMIT\n"])).toBe(
      "*filter\n:A - [0:0]\n-A A -j DROP\n-A B -j ACCEPT\nCOMMIT\n*nat\n-A N -j MASQUERADE\nCOMMIT\n",
    );
  });

  it("runs the first call alone and merges the calls made meanwhile", async () => {
    const runs: string[] = [];
    const batch = new RestoreBatch(async (input) => {
      runs.push(input);
      await new Promise((r) => setTimeout(r, 5));
    });
    await Promise.all(["a", "b", "c"].map((x) => batch.restore(`*filter\n-A ${x}\nCOMMIT\n`)));
    expect(runs).toEqual(["*filter\n-A a\nCOMMIT\n", "*filter\n-A b\n-A c\nCOMMIT\n"]);
  });

  it("retries a failed merge one by one, so only the bad input fails", async () => {
    const batch = new RestoreBatch(async (input) => {
      await new Promise((r) => setTimeout(r, 1));
      if (input.includes("bad")) throw new Error(`failed: ${input.split("\n")[1]}`);
    });
    const results = await Promise.allSettled(["first", "ok", "bad", "fine"].map((x) => batch.restore(`*filter\n-A ${x}\nCOMMIT\n`)));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect((results[2] as PromiseRejectedResult).reason.message).toBe("failed: -A bad");
  });
});
