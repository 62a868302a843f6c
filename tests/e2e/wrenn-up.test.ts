// `wrenn up` as the README runs it: first start, credentials, a second instance refused,
// and a restart with a capsule running (paused at shutdown, resumed at start, intact).
import { statSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeWrennUpData, startWrennUp, type WrennUp } from "./support/wrenn-up.js";
import { spawnSync } from "node:child_process";

const DATA_DIR = "/var/tmp/wrenn-test-e2e-up";
const POOL = "10.33.0.0/16";
const PORT = 19735;
const AGENT_PORT = 19736;

describe("wrenn up", () => {
  let up: WrennUp | undefined;
  const forwarding = readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8");
  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(up!.url + path, {
      method,
      headers: { "x-api-key": up!.apiKey, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text };
  };

  beforeAll(async () => {
    await removeWrennUpData(DATA_DIR, POOL, forwarding);
    up = await startWrennUp({ dataDir: DATA_DIR, port: PORT, agentPort: AGENT_PORT, pool: POOL });
  }, 600_000);

  afterAll(async () => {
    await up?.stop();
    const left = await removeWrennUpData(DATA_DIR, POOL, forwarding);
    expect(left).toEqual({ netns: [], veths: [], rules: 0, mounts: [], runscProcesses: 0 });
  }, 180_000);

  it("prints the URL, login and API key, and writes credentials.json with mode 0600", () => {
    const text = up!.output.join("\n");
    expect(text).toContain(`Wrenn is up at http://127.0.0.1:${PORT}`);
    expect(text).toMatch(/login: +admin@wrenn\.local \/ \S{12,}/);
    expect(text).toMatch(/API key: +wrn_[0-9a-f]{32}/);
    const file = `${DATA_DIR}/credentials.json`;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const creds = JSON.parse(readFileSync(file, "utf8"));
    expect(creds).toEqual({ api_url: `http://127.0.0.1:${PORT}`, api_key: up!.apiKey, email: "admin@wrenn.local", password: up!.password });
  });

  it("answers health with the database and agent up, and the key works", async () => {
    expect((await api("GET", "/health")).body).toMatchObject({ status: "ok", database: "ok", agent: "ok" });
    expect((await api("GET", "/v1/capsules")).status).toBe(200);
  });

  it("refuses a second instance on the same data directory with a clear error", () => {
    const res = spawnSync(process.execPath, ["packages/cli/dist/main.js", "up", "--data-dir", DATA_DIR, "--port", String(PORT + 10), "--agent-port", String(AGENT_PORT + 10)], {
      env: { ...process.env, WRENN_NETWORK_POOL: "10.34.0.0/16" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/in use by another Wrenn process \(pid \d+\)/);
  });

  it("pauses running capsules on SIGTERM and resumes them, intact, on the next start", async () => {
    const created = await api("POST", "/v1/capsules", { template: "minimal" });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const exec = async (script: string) => (await api("POST", `/v1/capsules/${id}/exec`, { cmd: "/bin/bash", args: ["-c", script] })).body;
    expect((await exec("echo kept > /tmp/state; sleep 1000 & echo started")).stdout).toBe("started\n");

    const firstKey = up!.apiKey;
    expect(await up!.stop()).toBe(0);
    expect(up!.output.join("\n")).toContain("paused 1 capsule(s)");
    up = await startWrennUp({ dataDir: DATA_DIR, port: PORT, agentPort: AGENT_PORT, pool: POOL });
    expect(up.output.join("\n")).toContain("resumed 1 of 1 capsules");
    // The second start reuses the account and key of the first.
    expect(up.apiKey).toBe(firstKey);

    const info = await api("GET", `/v1/capsules/${id}`);
    expect(info.body.status).toBe("running");
    expect((await exec("cat /tmp/state; pgrep -x sleep >/dev/null && echo sleeping")).stdout).toBe("kept\nsleeping\n");
    expect((await api("DELETE", `/v1/capsules/${id}`)).status).toBe(204);
  }, 240_000);
});
