import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { bootstrapAccount, loadConfig, startControlPlane, type RunningControlPlane } from "@wrenn/control-plane";
import { acquireDirectoryLock, openDatabase, updateCapsule, type DirectoryLock, type WrennDatabase } from "@wrenn/db";
import { parseAgentConfig, startAgent, type Agent } from "@wrenn/host-agent";
import { pino } from "pino";
import { readCredentials, writeCredentials, credentialsPath } from "../credentials.js";
import { assertPrerequisites } from "../prereqs.js";

export interface UpOptions {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl?: string;
  agentPort: number;
  logLevel: string;
}

const ADMIN_EMAIL = "admin@wrenn.local";
/** Capsules paused by the last shutdown, resumed on the next start. */
const resumeFile = (dataDir: string): string => join(dataDir, "resume-on-start.json");

const say = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * `wrenn up`: the embedded database (or PostgreSQL), a host agent in this process and the
 * control plane on one port. Composition only: the same pieces run split in production.
 */
export async function up(options: UpOptions): Promise<void> {
  const agentConfig = parseAgentConfig([], {
    ...process.env,
    WRENN_DIR: join(options.dataDir, "agent"),
    WRENN_AGENT_PORT: String(options.agentPort),
    WRENN_AGENT_HOST: "127.0.0.1",
    // One ready `minimal` capsule by default, so the first create is instant ("" = none).
    WRENN_WARM_POOLS: process.env.WRENN_WARM_POOLS ?? "minimal:1:512:1",
  });
  assertPrerequisites(agentConfig.runsc);
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const lock = acquireDirectoryLock(join(options.dataDir, "wrenn.lock"), options.dataDir, `the data directory ${options.dataDir}`);
  const log = pino({ level: options.logLevel }, pino.destination(2));
  let database: WrennDatabase | undefined;
  let agent: Agent | undefined;
  let cp: RunningControlPlane | undefined;
  try {
    say(`wrenn: data directory ${options.dataDir}`);
    database = await openDatabase(options.databaseUrl ? { url: options.databaseUrl } : { dataDir: options.dataDir });
    say(`wrenn: database ready (${database.kind === "pglite" ? "embedded" : "PostgreSQL"})`);
    say("wrenn: starting the host agent (first run builds the minimal image: about a minute)");
    const agentLog = log.child({ component: "agent" });
    agent = await startAgent(
      agentConfig,
      { info: (msg, f) => agentLog.info(f ?? {}, msg), warn: (msg, f) => agentLog.warn(f ?? {}, msg), error: (msg, f) => agentLog.error(f ?? {}, msg) },
      { progress: true },
    );
    const config = loadConfig(process.env, { host: options.host, port: options.port, dataDir: options.dataDir, agentUrl: `http://127.0.0.1:${agent.port}`, logLevel: options.logLevel });
    // One process: the control plane calls its agent's handlers without the loopback.
    cp = await startControlPlane(config, { database, loggerInstance: log.child({ component: "cp" }), localAgent: agent.server.localTransport() });
    const credentials = await ensureAdmin(cp, options.dataDir);
    await resumeCapsules(cp, options.dataDir);
    printReady(cp.url, credentials, options.dataDir);
  } catch (err) {
    await shutdown({ cp, agent, database, lock, dataDir: options.dataDir, pause: false });
    throw err;
  }
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      say(`wrenn: ${signal}: pausing capsules and shutting down`);
      void shutdown({ cp, agent, database, lock, dataDir: options.dataDir, pause: true }).finally(resolve);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

/** First run: an admin with a team and an API key, written to credentials.json (0600). */
async function ensureAdmin(cp: RunningControlPlane, dataDir: string): Promise<{ email: string; password: string; apiKey: string; fresh: boolean } | undefined> {
  const existing = readCredentials(dataDir);
  const users = await cp.deps.db.selectFrom("users").select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow();
  if (Number(users.n) > 0) {
    if (existing) writeCredentials(dataDir, { ...existing, api_url: cp.url });
    return existing ? { email: existing.email, password: existing.password, apiKey: existing.api_key, fresh: false } : undefined;
  }
  const password = randomBytes(15).toString("base64url");
  const account = await bootstrapAccount(cp.deps.db, { email: ADMIN_EMAIL, password, name: "Admin", teamName: "Default", isAdmin: true, keyName: "wrenn up" });
  writeCredentials(dataDir, { api_url: cp.url, api_key: account.apiKey, email: ADMIN_EMAIL, password });
  return { email: ADMIN_EMAIL, password, apiKey: account.apiKey, fresh: true };
}

function printReady(url: string, credentials: Awaited<ReturnType<typeof ensureAdmin>>, dataDir: string): void {
  const lines = [`Wrenn is up at ${url}`, `  API docs:     ${url}/docs`];
  if (credentials) {
    lines.push(`  login:        ${credentials.email} / ${credentials.password}`);
    lines.push(`  API key:      ${credentials.apiKey}`);
  }
  lines.push(`  credentials:  ${credentialsPath(dataDir)}${credentials ? "" : " (missing: create a key with the API)"}`);
  lines.push("  stop with Ctrl-C (capsules are paused and resume on the next start)");
  process.stdout.write(`${lines.join("\n")}\n`);
}

async function resumeCapsules(cp: RunningControlPlane, dataDir: string): Promise<void> {
  const file = resumeFile(dataDir);
  if (!existsSync(file)) return;
  const ids = JSON.parse(readFileSync(file, "utf8")) as string[];
  rmSync(file);
  let resumed = 0;
  for (const id of ids) {
    try {
      const res = await (await cp.deps.fleet.capsuleAgent(id)).client.resumeCapsule({ capsuleId: id });
      await updateCapsule(cp.deps.db, id, { status: "running", paused_at: null, last_active_at: new Date(), envd_version: res.capsule?.envdVersion ?? "" });
      resumed++;
    } catch (err) {
      say(`wrenn: could not resume capsule ${id}: ${(err as Error).message} (it stays paused)`);
    }
  }
  if (ids.length > 0) say(`wrenn: resumed ${resumed} of ${ids.length} capsules paused at the last shutdown`);
}

/** Pauses running capsules (so they survive), then stops everything in reverse order. */
async function shutdown(parts: {
  cp: RunningControlPlane | undefined;
  agent: Agent | undefined;
  database: WrennDatabase | undefined;
  lock: DirectoryLock;
  dataDir: string;
  pause: boolean;
}): Promise<void> {
  const { cp, agent, database, lock, dataDir } = parts;
  try {
    if (cp && parts.pause) {
      const running = await cp.deps.db.selectFrom("capsules").select("id").where("status", "=", "running").where("host_id", "=", cp.staticHostId!).execute();
      const paused: string[] = [];
      await Promise.all(
        running.map(async ({ id }) => {
          try {
            await (await cp.deps.fleet.capsuleAgent(id)).client.pauseCapsule({ capsuleId: id });
            await updateCapsule(cp.deps.db, id, { status: "paused", paused_at: new Date() });
            paused.push(id);
          } catch (err) {
            say(`wrenn: could not pause capsule ${id}: ${(err as Error).message}`);
          }
        }),
      );
      if (paused.length > 0) writeFileSync(resumeFile(dataDir), JSON.stringify(paused));
      say(`wrenn: paused ${paused.length} capsule(s)`);
    }
  } finally {
    await cp?.close().catch((err: unknown) => say(`wrenn: control plane close failed: ${(err as Error).message}`));
    await agent?.stop().catch((err: unknown) => say(`wrenn: agent stop failed: ${(err as Error).message}`));
    await database?.close().catch(() => {});
    lock.release();
  }
}
