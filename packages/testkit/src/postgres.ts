/**
 * Throwaway PostgreSQL 15 clusters for tests, from Debian's server binaries. One cluster
 * per test run (see tests/setup/postgres.ts); each test file takes its own database in it.
 */
import { execFile, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

export const POSTGRES_BIN_DIR = process.env.WRENN_POSTGRES_BIN ?? "/usr/lib/postgresql/15/bin";

export interface PostgresCluster {
  /** `postgres://wrenn@127.0.0.1:<port>/wrenn`: trust auth, no password. */
  url: string;
  /** The temp directory holding the cluster (data/, the socket, log). */
  dir: string;
  /** Stops the server at once (no checkpoint) and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * initdb + pg_ctl in a fresh temp directory, tuned for throwaway data (no fsync). PostgreSQL
 * refuses to run as root, so as root the binaries run as the `postgres` system user.
 */
export async function startPostgres(): Promise<PostgresCluster> {
  if (!existsSync(join(POSTGRES_BIN_DIR, "initdb"))) {
    throw new Error(`PostgreSQL 15 server binaries not found in ${POSTGRES_BIN_DIR}: run scripts/install-deps.sh as root (installs Debian's postgresql package)`);
  }
  const dir = mkdtempSync(join(tmpdir(), "wrenn-pg-"));
  const asRoot = userInfo().uid === 0;
  const postgresUser = asRoot ? await systemUser("postgres") : undefined;
  if (postgresUser) chownSync(dir, postgresUser.uid, postgresUser.gid);
  const command = (tool: string, args: string[]): string[] =>
    asRoot ? ["runuser", "-u", "postgres", "--", join(POSTGRES_BIN_DIR, tool), ...args] : [join(POSTGRES_BIN_DIR, tool), ...args];
  // cwd: the postgres user may not be able to enter the caller's directory.
  const pgBin = (tool: string, args: string[]): Promise<unknown> => {
    const [file, ...rest] = command(tool, args);
    return run(file!, rest, { cwd: dir });
  };

  const dataDir = join(dir, "data");
  const stopArgs = ["-D", dataDir, "-m", "immediate", "-w", "stop"];
  const watchdog = startWatchdog(dir, command("pg_ctl", stopArgs));
  const stop = once(async () => {
    watchdog.cancel();
    // Fails harmlessly when the server never started.
    await pgBin("pg_ctl", stopArgs).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  try {
    await pgBin("initdb", ["-D", dataDir, "-A", "trust", "-U", "wrenn", "--no-sync", "--no-locale", "-E", "UTF8", "--no-instructions"]);
    // A free port can be taken by someone else before the server binds it: try a few.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
      try {
        await pgBin("pg_ctl", ["-w", "-t", "60", "-D", dataDir, "-o", serverOptions, "-l", join(dir, "log"), "start"]);
      } catch (err) {
        if (attempt >= 3) throw new Error(`PostgreSQL did not start; end of ${join(dir, "log")}:\n${logTail(join(dir, "log"))}`, { cause: err });
        continue;
      }
      const url = `postgres://wrenn@127.0.0.1:${port}/wrenn`;
      await withClient(adminUrl(url), (client) => client.query("CREATE DATABASE wrenn"));
      return { url, dir, stop };
    }
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The server outlives its starter (pg_ctl daemonizes it). If the test process dies without
 * calling stop() (a crash, SIGKILL), this detached shell stops the cluster and removes `dir`.
 */
function startWatchdog(dir: string, stopCommand: string[]): { cancel(): void } {
  const script = 'owner=$1; dir=$2; shift 2; while kill -0 "$owner" 2>/dev/null; do sleep 1; done; "$@"; rm -rf "$dir"';
  const child = spawn("sh", ["-c", script, "wrenn-pg-watchdog", String(process.pid), dir, ...stopCommand], { detached: true, stdio: "ignore" });
  child.unref();
  return {
    cancel: () => {
      try {
        // The whole group: the shell and its current `sleep`.
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {}
    },
  };
}

/** A new, uniquely named empty database on the cluster behind `url`; returns its URL. */
export async function createTestDatabase(url: string): Promise<string> {
  const name = `test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await withClient(adminUrl(url), (client) => client.query(`CREATE DATABASE ${name}`));
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  return dbUrl.toString();
}

/** Drops the database `url` names, ending its remaining sessions. */
export async function dropTestDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  await withClient(adminUrl(url), (client) => client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
}

/** The same server's `postgres` maintenance database. */
function adminUrl(url: string): string {
  const admin = new URL(url);
  admin.pathname = "/postgres";
  return admin.toString();
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function systemUser(name: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run("id", ["-u", name]), run("id", ["-g", name])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function logTail(path: string): string {
  try {
    return readFileSync(path, "utf8").split("\n").slice(-20).join("\n");
  } catch {
    return "(no log)";
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => (result ??= fn());
}
