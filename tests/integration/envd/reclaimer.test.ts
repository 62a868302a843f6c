import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEnvd, type RunningEnvd } from "@wrenn/testkit";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("envd memory reclaimer", () => {
  let envd: RunningEnvd;

  beforeAll(async () => {
    // Threshold 0 %: every check drops the page cache (harmless on a root test machine).
    envd = await startEnvd({ args: ["--reclaim", "--reclaim-threshold-pct", "0", "--reclaim-interval-ms", "100"] });
  });
  afterAll(async () => {
    await envd?.stop();
  });

  const drops = async (): Promise<number> => {
    const res = await fetch(`${envd.url}/metrics`);
    return ((await res.json()) as { page_cache_drops: number }).page_cache_drops;
  };

  it("drops the page cache, pauses from /snapshot/prepare until the next /init", { timeout: 60_000 }, async () => {
    // Dropping the host page cache can take seconds on a busy machine.
    await expect.poll(drops, { timeout: 20_000, interval: 100 }).toBeGreaterThanOrEqual(2);

    expect((await fetch(`${envd.url}/snapshot/prepare`, { method: "POST" })).status).toBe(204);
    // A check that had already passed the quiesced test may still finish (a drop can take
    // seconds on a busy machine): wait until the count holds still.
    let paused = await drops();
    for (let i = 0; i < 20; i++) {
      await sleep(1000);
      const now = await drops();
      if (now === paused) break;
      paused = now;
    }
    await sleep(1200);
    expect(await drops()).toBe(paused);

    const init = await fetch(`${envd.url}/init`, { method: "POST", body: "{}" });
    expect(init.status).toBe(204);
    await expect.poll(drops, { timeout: 20_000, interval: 100 }).toBeGreaterThanOrEqual(paused + 2);
  });
});
