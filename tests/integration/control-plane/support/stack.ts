import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootstrapAccount, loadConfig, startControlPlane, type BootstrappedAccount, type ControlPlaneConfig, type RunningControlPlane } from "@wrenn/control-plane";
import { openTestDatabase, type DbBackend } from "@wrenn/testkit";
import WebSocket from "ws";

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface Stack {
  url: string;
  cp: RunningControlPlane;
  /** An active platform-admin user with a team and an API key (the stack's first account). */
  account: BootstrappedAccount & { email: string; password: string };
  /** JSON request with the account's API key unless `auth` overrides it (`null` = none). */
  api<T = any>(method: string, path: string, options?: { body?: unknown; auth?: string | null; headers?: Record<string, string> }): Promise<ApiResponse<T>>;
  /** A WebSocket to the control plane with the account's key (or `auth`), open. */
  ws(path: string, options?: { auth?: string | null }): Promise<WebSocket>;
  /** Another active user with their own team and key (for isolation tests). */
  newAccount(email: string): Promise<BootstrappedAccount & { email: string; password: string }>;
  close(): Promise<void>;
}

/** A control plane on a fresh database of the given back end, listening on a free port. */
export async function startStack(options: {
  backend: DbBackend;
  postgresUrl: string;
  agentUrl?: string;
  reconcileIntervalSec?: number;
  /** Any other configuration overrides (e.g. dashboardDir). */
  config?: Partial<ControlPlaneConfig>;
}): Promise<Stack> {
  const database = await openTestDatabase(options.backend, { postgresUrl: options.postgresUrl });
  const dataDir = mkdtempSync(join(tmpdir(), "wrenn-cp-test-"));
  const config = loadConfig(
    {},
    {
      dataDir,
      host: "127.0.0.1",
      port: 0,
      agentUrl: options.agentUrl ?? "http://127.0.0.1:1",
      jwtSecret: new TextEncoder().encode(`test-secret-${"x".repeat(32)}`),
      reconcileIntervalSec: options.reconcileIntervalSec ?? 0,
      // Tests sample team usage themselves (startTeamSampler().runOnce()).
      teamSampleIntervalSec: 0,
      // Test receivers listen on loopback.
      channelsAllowPrivate: true,
      logLevel: process.env.WRENN_TEST_LOG ?? "silent",
      ...options.config,
    },
  );
  const cp = await startControlPlane(config, { database });
  const url = cp.url;
  let accounts = 0;
  const newAccount = async (email: string) => {
    const password = "correct horse battery";
    const acc = await bootstrapAccount(cp.deps.db, { email, password, isAdmin: accounts++ === 0 });
    return { ...acc, email, password };
  };
  const account = await newAccount(`admin-${Date.now()}@example.test`);
  const api: Stack["api"] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    const auth = opts.auth === undefined ? account.apiKey : opts.auth;
    if (auth) headers[auth.startsWith("wrn_") ? "x-api-key" : "authorization"] = auth.startsWith("wrn_") ? auth : `Bearer ${auth}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers["content-type"] ??= "application/json";
      body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
    }
    const res = await fetch(url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get("content-type") ?? "").includes("json") && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as any, text };
  };
  const ws: Stack["ws"] = async (path, opts = {}) => {
    const auth = opts.auth === undefined ? account.apiKey : opts.auth;
    const headers: Record<string, string> = {};
    if (auth) headers[auth.startsWith("wrn_") ? "x-api-key" : "authorization"] = auth.startsWith("wrn_") ? auth : `Bearer ${auth}`;
    const socket = new WebSocket(url.replace(/^http/, "ws") + path, { headers });
    await once(socket, "open");
    return socket;
  };
  return {
    url,
    cp,
    account,
    api,
    ws,
    newAccount,
    async close() {
      await cp.close();
      await database.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
