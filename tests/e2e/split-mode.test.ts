// The same `wrenn` binary split in two, as production runs it: `wrenn agent` (root, capsules)
// and `wrenn cp` (control plane on PostgreSQL), wired by environment variables; and
// `wrenn up --database-url` on PostgreSQL instead of the embedded database.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, inject, it } from "vitest";
import { bootstrapAccount } from "@wrenn/control-plane";
import { openDatabase } from "@wrenn/db";
import { createTestDatabase, destroyLeftovers, dropTestDatabase, linkSharedImages, ownNetwork } from "@wrenn/testkit";
import { removeWrennUpData, startWrennUp } from "./support/wrenn-up.js";

const AGENT_DIR = "/var/tmp/wrenn-test-e2e-split-agent";
const NETWORK = ownNetwork({ pool: "10.35.0.0/16", chainPrefix: "TSPLIT", vethPrefix: "qs" });

/** Runs `node packages/cli/dist/main.js <args>` and resolves once a stdout line matches. */
async function run(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ child: ChildProcess; line: string; output: string[] }> {
  const child = spawn(process.execPath, ["packages/cli/dist/main.js", ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  createInterface({ input: child.stderr! }).on("line", (l) => output.push(l));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (l) => {
      output.push(l);
      if (ready.test(l)) resolve(l);
    });
    child.once("exit", (code) => reject(new Error(`wrenn ${args[0]} exited with ${code}:\n${output.slice(-30).join("\n")}`)));
  });
  return { child, line, output };
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill("SIGTERM");
  const [code] = (await once(child, "exit")) as [number | null];
  return code;
}

describe("split mode and PostgreSQL", () => {
  const forwarding = readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8");
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  }, 180_000);

  it("runs capsules through `wrenn cp` on PostgreSQL driving a separate `wrenn agent`", async () => {
    const dbUrl = await createTestDatabase(inject("postgresUrl"));
    cleanups.push(() => dropTestDatabase(dbUrl));
    rmSync(AGENT_DIR, { recursive: true, force: true });
    linkSharedImages(AGENT_DIR);
    cleanups.push(async () => {
      // Whatever the test left: destroyed by an agent on the same directory, then the network.
      await destroyLeftovers(AGENT_DIR, NETWORK.env);
      expect(NETWORK.leftovers(AGENT_DIR)).toEqual({ netns: [], veths: [], rules: 0, mounts: [], runscProcesses: 0 });
      rmSync(AGENT_DIR, { recursive: true, force: true });
      await NETWORK.remove();
      const { writeFileSync } = await import("node:fs");
      writeFileSync("/proc/sys/net/ipv4/ip_forward", forwarding);
    });

    const agent = await run(["agent", "--port", "19746", "--data-dir", AGENT_DIR], { ...NETWORK.env, WRENN_WARM_POOLS: "" }, /host agent listening/);
    cleanups.push(() => stop(agent.child));
    const cpData = mkdtempSync(join(tmpdir(), "wrenn-split-cp-"));
    cleanups.push(async () => rmSync(cpData, { recursive: true, force: true }));
    const cp = await run(["cp"], { DATABASE_URL: dbUrl, WRENN_DATA_DIR: cpData, WRENN_CP_PORT: "19745", WRENN_AGENT_URL: "http://127.0.0.1:19746" }, /control plane listening/);
    cleanups.push(() => stop(cp.child));
    expect(cp.line).toContain("database: postgres");

    const database = await openDatabase({ url: dbUrl });
    const account = await bootstrapAccount(database.db, { email: "split@example.test", password: "correct horse battery" }).finally(() => database.close());
    const api = async (method: string, path: string, body?: unknown): Promise<any> => {
      const res = await fetch(`http://127.0.0.1:19745${path}`, {
        method,
        headers: { "x-api-key": account.apiKey, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
    expect((await api("GET", "/health")).body).toMatchObject({ status: "ok", database: "ok", agent: "ok" });
    const created = await api("POST", "/v1/capsules", { template: "minimal" });
    expect(created.status).toBe(201);
    const out = await api("POST", `/v1/capsules/${created.body.id}/exec`, { cmd: "echo split-mode" });
    expect(out.body).toMatchObject({ stdout: "split-mode\n", exit_code: 0 });
    expect((await api("DELETE", `/v1/capsules/${created.body.id}`)).status).toBe(204);

    expect(await stop(cp.child)).toBe(0);
    expect(await stop(agent.child)).toBe(0);
  }, 240_000);

  it("runs `wrenn up --database-url` on PostgreSQL", async () => {
    const dbUrl = await createTestDatabase(inject("postgresUrl"));
    cleanups.push(() => dropTestDatabase(dbUrl));
    const dataDir = "/var/tmp/wrenn-test-e2e-up-pg";
    const pool = "10.36.0.0/16";
    await removeWrennUpData(dataDir, pool, forwarding);
    const up = await startWrennUp({ dataDir, port: 19755, agentPort: 19756, pool, env: { WRENN_WARM_POOLS: "", DATABASE_URL: dbUrl } });
    cleanups.push(async () => {
      await up.stop();
      expect(await removeWrennUpData(dataDir, pool, forwarding)).toEqual({ netns: [], veths: [], rules: 0, mounts: [], runscProcesses: 0 });
    });
    expect(up.output.join("\n")).toContain("database ready (PostgreSQL)");
    expect(existsSync(`${dataDir}/db`)).toBe(false);
    const database = await openDatabase({ url: dbUrl });
    try {
      const admins = await database.db.selectFrom("users").select(["email", "is_admin"]).execute();
      expect(admins).toEqual([{ email: "admin@wrenn.local", is_admin: true }]);
    } finally {
      await database.close();
    }
    const res = await fetch(`${up.url}/v1/capsules`, { headers: { "x-api-key": up.apiKey } });
    expect(res.status).toBe(200);
  }, 240_000);
});
