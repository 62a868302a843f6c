import { cpus } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEnvd, type RunningEnvd } from "@wrenn/testkit";

interface Metrics {
  ts: number;
  cpu_count: number;
  cpu_used_pct: number;
  mem_total: number;
  mem_used: number;
  mem_available: number;
  disk_used: number;
  disk_total: number;
  page_cache_drops: number;
}

describe("envd plain HTTP endpoints", () => {
  let envd: RunningEnvd;
  let listeningAt = 0;

  beforeAll(async () => {
    envd = await startEnvd();
    listeningAt = Date.now();
  });
  afterAll(async () => {
    await envd?.stop();
  });

  const init = (body: unknown): Promise<Response> =>
    fetch(`${envd.url}/init`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  /** The fields of envd's last "init" log line: the state /init left behind. */
  const lastInitLog = (): Record<string, unknown> => {
    const line = envd.logs.filter((l) => l.includes('"msg":"init"')).at(-1);
    if (!line) throw new Error(`no init log line in:\n${envd.logs.join("\n")}`);
    return JSON.parse(line) as Record<string, unknown>;
  };

  it("serves /health without a token", async () => {
    const res = await fetch(`${envd.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok" });
  });

  it("reports sane guest metrics", async () => {
    // CPU use needs two samples a second apart.
    await new Promise((r) => setTimeout(r, Math.max(0, 1100 - (Date.now() - listeningAt))));
    const res = await fetch(`${envd.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const m = (await res.json()) as Metrics;
    expect(m.cpu_count).toBe(cpus().length);
    expect(m.cpu_used_pct).toBeGreaterThanOrEqual(0);
    expect(m.cpu_used_pct).toBeLessThanOrEqual(100);
    expect(m.mem_total).toBeGreaterThan(0);
    expect(m.mem_used).toBeGreaterThan(0);
    expect(m.mem_used).toBeLessThanOrEqual(m.mem_total);
    expect(m.mem_used + m.mem_available).toBe(m.mem_total);
    expect(m.disk_total).toBeGreaterThan(0);
    expect(m.disk_used).toBeGreaterThan(0);
    expect(m.disk_used).toBeLessThanOrEqual(m.disk_total);
    expect(m.page_cache_drops).toBe(0);
    expect(Math.abs(m.ts - Date.now())).toBeLessThan(60_000);
  });

  it("keeps the reclaimer off in --dev", async () => {
    await new Promise((r) => setTimeout(r, 300));
    const m = (await (await fetch(`${envd.url}/metrics`)).json()) as Metrics;
    expect(m.page_cache_drops).toBe(0);
  });

  it("returns the env vars /init set, merging later ones in", async () => {
    expect(await (await fetch(`${envd.url}/envs`)).json()).toEqual({});
    expect((await init({ envVars: { A: "1", B: "two words" } })).status).toBe(204);
    expect(await (await fetch(`${envd.url}/envs`)).json()).toEqual({ A: "1", B: "two words" });
    expect((await init({ envVars: { B: "2", C: "" } })).status).toBe(204);
    expect(await (await fetch(`${envd.url}/envs`)).json()).toEqual({ A: "1", B: "2", C: "" });
    // An /init without envVars leaves them alone.
    expect((await init({})).status).toBe(204);
    expect(await (await fetch(`${envd.url}/envs`)).json()).toEqual({ A: "1", B: "2", C: "" });
  });

  it("sets the default user and workdir, and rejects an unknown user without changing anything", async () => {
    expect((await init({ defaultUser: "nobody", defaultWorkdir: "/tmp" })).status).toBe(204);
    expect(lastInitLog()).toMatchObject({ default_user: "nobody", default_workdir: "/tmp" });

    const res = await init({ defaultUser: "no-such-user-wrenn", envVars: { D: "4" } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: number; message: string };
    expect(body.code).toBe(400);
    expect(body.message).toMatch(/unknown user "no-such-user-wrenn"/);
    // Validation happens before any change: D is not set, the user is still nobody.
    expect(await (await fetch(`${envd.url}/envs`)).json()).not.toHaveProperty("D");
    expect((await init({})).status).toBe(204);
    expect(lastInitLog()).toMatchObject({ default_user: "nobody" });
  });

  it("refuses a body over 1 MiB with 413, declared or streamed", async () => {
    const big = JSON.stringify({ envVars: { BIG: "x".repeat(1024 * 1024) } });
    const declared = await init(big);
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { message: string }).message).toMatch(/larger than 1048576 bytes/);

    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 2 * 1024 * 1024) controller.close();
        else {
          sent += chunk.length;
          controller.enqueue(chunk);
        }
      },
    });
    const streamed = await fetch(`${envd.url}/init`, {
      method: "POST",
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    // envd is still fine afterwards.
    expect((await fetch(`${envd.url}/health`)).status).toBe(200);
  });

  it("rejects bad JSON and wrong field types with 400", async () => {
    const cases: [string, RegExp][] = [
      ["{not json", /not valid JSON/],
      ["[1,2]", /must be a JSON object/],
      [JSON.stringify({ envVars: { A: 1 } }), /envVars\.A must be a string/],
      [JSON.stringify({ accessToken: 42 }), /accessToken must be/],
      [JSON.stringify({ defaultUser: ["root"] }), /defaultUser must be/],
      [JSON.stringify({ timestamp: "not a time" }), /timestamp must be/],
    ];
    for (const [body, message] of cases) {
      const res = await init(body);
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(message);
    }
  });

  it("never touches the clock in --dev", async () => {
    expect((await init({ timestamp: new Date(Date.now() + 5000).toISOString() })).status).toBe(204);
    expect(envd.logs.some((l) => l.includes("not setting the clock in --dev mode"))).toBe(true);
  });

  it("prepares for a snapshot with 204", async () => {
    const res = await fetch(`${envd.url}/snapshot/prepare`, { method: "POST" });
    expect(res.status).toBe(204);
    expect(envd.logs.some((l) => l.includes('"msg":"snapshot prepared"'))).toBe(true);
    expect((await init({})).status).toBe(204);
  });
});
