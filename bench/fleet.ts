// Fleet throughput (issue 7 §6): capsule creates per second across three hosts with 20
// concurrent clients for 60 s, p99 latency, and errors (target: zero).
//
// Setup as tests/e2e/fleet.test.ts, with its own names so it never collides with tests: a
// throwaway PostgreSQL cluster, two control-plane replicas on it (ports 19770/19771), three
// host agents each in its own network namespace (tfb1..3 on 10.40.2.0/24, agent port 19810),
// registered through `POST /v1/hosts` and reached over mTLS. No warm pools.
//
// Load: N clients, spread over both replicas, each looping `POST /v1/capsules {minimal,
// 256 MB}` then `DELETE` it, for the duration; create and delete are timed separately.
// Baseline in the same run: the same loop straight against one agent's CreateCapsule /
// DestroyCapsule (Connect over mTLS with a control-plane certificate) with N/3 clients,
// which is the load each agent sees above — the difference is the control plane's share.
//
// Everything it made is removed in `finally` (also on Ctrl-C); leftovers are reported.
// Run as root:  npm run bench -- fleet
//   or: node --conditions=wrenn-source --import tsx bench/fleet.ts [--duration 60] [--clients 20] [--quick]
//   --quick = 10 s, 5 clients (smoke run); the same through the environment: BENCH_DURATION,
//   BENCH_CLIENTS, BENCH_QUICK=1. BENCH_LOG=1 keeps control-plane warnings on stderr and
//   writes agent logs to /tmp/wrenn-bench-fleet-agent<N>.log.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { ConnectError, Code } from "@connectrpc/connect";
import { newId } from "@wrenn/core";
import { openDatabase, type WrennDatabase } from "@wrenn/db";
import {
  bootstrapAccount,
  connectAgent,
  issueCertificate,
  loadConfig,
  loadOrCreateCa,
  startControlPlane,
  type RunningControlPlane,
} from "@wrenn/control-plane";
import {
  createTestHosts,
  removeTestHosts,
  destroyLeftovers,
  hostResources,
  startAgentProcess,
  startPostgres,
  type PostgresCluster,
  type RunningAgent,
  type TestHostNetwork,
} from "@wrenn/testkit";
import { report, summarize } from "./lib/stats.js";

const { values: flags } = parseArgs({
  options: {
    duration: { type: "string" },
    clients: { type: "string" },
    quick: { type: "boolean", default: false },
  },
});
// Flags, or the same through the environment (`npm run bench -- fleet` passes no flags).
const QUICK = flags.quick || process.env.BENCH_QUICK === "1";
const DURATION_S = Number(flags.duration ?? process.env.BENCH_DURATION ?? (QUICK ? 10 : 60));
const CLIENTS = Number(flags.clients ?? process.env.BENCH_CLIENTS ?? (QUICK ? 5 : 20));
if (!(DURATION_S > 0) || !(CLIENTS >= 1) || !Number.isInteger(CLIENTS)) throw new Error("--duration must be > 0 and --clients a positive integer");
const BASELINE_CLIENTS = Math.max(1, Math.round(CLIENTS / 3));
const VERBOSE = !!process.env.BENCH_LOG;

const CP_DATA = "/var/tmp/wrenn-bench-fleet-cp";
const agentDir = (i: number): string => `/var/tmp/wrenn-bench-fleet-agent${i + 1}`;
const CP_PORTS = [19770, 19771] as const;
const AGENT_PORT = 19810;
const JWT_SECRET = new TextEncoder().encode(`fleet-bench-secret-${"z".repeat(32)}`);
const PASSWORD = "correct horse battery";
const NETWORKS = [
  { WRENN_NETWORK_POOL: "10.47.0.0/16", WRENN_CHAIN_PREFIX: "BFLEETA", WRENN_VETH_PREFIX: "ba" },
  { WRENN_NETWORK_POOL: "10.48.0.0/16", WRENN_CHAIN_PREFIX: "BFLEETB", WRENN_VETH_PREFIX: "bb" },
  { WRENN_NETWORK_POOL: "10.49.0.0/16", WRENN_CHAIN_PREFIX: "BFLEETC", WRENN_VETH_PREFIX: "bc" },
];
const agentEnv = (i: number): NodeJS.ProcessEnv => ({
  ...NETWORKS[i],
  WRENN_HOST_MEMORY_MB: "8192",
  WRENN_WARM_POOLS: "",
});
const CAPSULE = { template: "minimal", memory_mb: 256 };
const REQUEST_TIMEOUT_MS = 120_000;

// Ctrl-C / SIGTERM: stop starting new work and fall through to the cleanup in `finally`.
// (Agents in the same process group get the terminal's SIGINT too; destroyLeftovers below
// still destroys whatever capsules they held.) A second signal exits at once.
let interrupted = false;
/** Aborts the requests in flight when interrupted, so cleanup starts at once. */
const stopAll = new AbortController();
const requestSignal = (): AbortSignal => AbortSignal.any([stopAll.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) {
      console.error(`second ${signal}: exiting without finishing cleanup; rerun the bench to clear leftovers`);
      process.exit(130);
    }
    interrupted = true;
    stopAll.abort(new Error(`${signal}`));
    console.error(`${signal}: stopping the load and cleaning up (again to force exit)`);
  });
}
const checkInterrupted = (): void => {
  if (interrupted) throw new Error("interrupted");
};

const ms = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;
const round1 = (n: number): number => Math.round(n * 10) / 10;
const pcts = (samples: number[]) => {
  if (samples.length === 0) return null;
  const s = summarize(samples);
  return { p50: s.p50, p95: s.p95, p99: s.p99, max: s.max, mean: s.mean, n: s.n };
};

class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Error tally: count, by code, and the first few messages per code. */
class Errors {
  count = 0;
  byCode: Record<string, number> = {};
  samples: Record<string, string[]> = {};
  add(err: unknown, phase: string): void {
    const code = `${phase}:${errorCode(err)}`;
    this.count++;
    this.byCode[code] = (this.byCode[code] ?? 0) + 1;
    const list = (this.samples[code] ??= []);
    if (list.length < 3) list.push(err instanceof Error ? err.message.slice(0, 400) : String(err));
  }
  json(): { count: number; by_code: Record<string, number>; messages: Record<string, string[]> } {
    return { count: this.count, by_code: this.byCode, messages: this.samples };
  }
}

function errorCode(err: unknown): string {
  if (err instanceof ApiError) return err.code;
  if (err instanceof ConnectError) return `rpc_${Code[err.code]}`;
  if (err instanceof Error && err.name === "TimeoutError") return "client_timeout";
  const cause = (err as { cause?: { code?: string } })?.cause;
  if (cause?.code) return `network_${cause.code}`;
  return "exception";
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    checkInterrupted();
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/**
 * `clients` loops until the deadline, each running `iteration` back to back. Returns the
 * wall time from start until the last loop finished its last iteration.
 */
async function runLoad(clients: number, seconds: number, iteration: (client: number) => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (Date.now() < deadline && !interrupted) await iteration(client);
    }),
  );
  return ms(started) / 1000;
}

const uptime = (): string => {
  try {
    return readFileSync("/proc/loadavg", "utf8").trim();
  } catch {
    return loadavg().map((n) => n.toFixed(2)).join(" ");
  }
};

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("bench/fleet.ts needs root (network namespaces, runsc)");
  const loadBefore = uptime();
  console.error(`fleet bench: ${CLIENTS} clients × ${DURATION_S} s (baselines: ${BASELINE_CLIENTS} clients on one agent, ${CLIENTS} on three); load before: ${loadBefore}`);

  let net: TestHostNetwork | undefined;
  let pgCluster: PostgresCluster | undefined;
  let db: WrennDatabase | undefined;
  const replicas: RunningControlPlane[] = [];
  const agents: (RunningAgent | undefined)[] = [undefined, undefined, undefined];
  const hostIds: string[] = [];
  /** Capsules created and not yet deleted: REST ones by id, direct agent ones by id. */
  const liveRest = new Set<string>();
  const liveDirect = new Map<string, ReturnType<typeof connectAgent>>();
  let direct: ReturnType<typeof connectAgent>[] | undefined;
  let apiKey = "";
  let failed = false;

  const api = async (replica: number, method: string, path: string, options: { body?: unknown; auth?: string } = {}): Promise<{ status: number; body: any }> => {
    const auth = options.auth ?? apiKey;
    const headers: Record<string, string> = auth ? (auth.startsWith("wrn_") ? { "x-api-key": auth } : { authorization: `Bearer ${auth}` }) : {};
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(replicas[replica]!.url + path, {
      method,
      headers,
      signal: interrupted ? AbortSignal.timeout(30_000) : requestSignal(),
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await res.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: res.status, body };
  };
  /** Throws ApiError(`<status>_<error code>`) unless the status is the expected one. */
  const expectStatus = (res: { status: number; body: any }, status: number, what: string): any => {
    if (res.status !== status) {
      const code = `${res.status}_${res.body?.error?.code ?? "unknown"}`;
      throw new ApiError(code, `${what} → ${res.status} ${typeof res.body === "string" ? res.body : JSON.stringify(res.body)}`);
    }
    return res.body;
  };

  const cleanAgents = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) {
      if (VERBOSE && agents[i]) writeFileSync(`/tmp/wrenn-bench-fleet-agent${i + 1}.log`, agents[i]!.logs.join("\n"));
      await agents[i]?.stop().catch((err) => console.error(`stopping agent ${i + 1}: ${err}`));
      agents[i] = undefined;
      // A fresh, unregistered agent on the data dir destroys every capsule it finds there.
      if (net) {
        await destroyLeftovers(agentDir(i), agentEnv(i), { netns: net.hosts[i]!.netns, host: net.hosts[i]!.address }).catch((err) =>
          console.error(`destroying leftovers of agent ${i + 1}: ${err}`),
        );
      }
    }
  };

  try {
    // Debris of an earlier, killed run under our names is removed by createTestHosts.
    net = createTestHosts({ prefix: "tfb", count: 3, subnet: 2 });
    await cleanAgents();
    for (let i = 0; i < 3; i++) rmSync(agentDir(i), { recursive: true, force: true });
    rmSync(CP_DATA, { recursive: true, force: true });
    checkInterrupted();

    pgCluster = await startPostgres();
    db = await openDatabase({ url: pgCluster.url });
    for (const port of CP_PORTS) {
      checkInterrupted();
      const config = loadConfig(
        // 20 one-vCPU capsules on three 2-core "hosts" exceed the default 4× CPU overcommit
        // (7 vCPUs per host, 21 in all): raise it so placement is not the bottleneck.
        { WRENN_CPU_OVERCOMMIT: "16" },
        { dataDir: CP_DATA, host: net.gateway, port, databaseUrl: pgCluster.url, jwtSecret: JWT_SECRET, teamSampleIntervalSec: 0, logLevel: VERBOSE ? "warn" : "silent" },
      );
      replicas.push(await startControlPlane(config));
    }
    const admin = await bootstrapAccount(db.db, { email: "admin@fleet.bench", password: PASSWORD, isAdmin: true });
    apiKey = admin.apiKey;
    const login = expectStatus(await api(0, "POST", "/v1/auth/login", { auth: "", body: { email: "admin@fleet.bench", password: PASSWORD } }), 200, "login");
    const adminJwt = login.token as string;

    // Register three regular hosts, alternating replicas, and start their agents.
    for (let i = 0; i < 3; i++) {
      checkInterrupted();
      const created = expectStatus(await api(i % 2, "POST", "/v1/hosts", { auth: adminJwt, body: { type: "regular" } }), 201, "POST /v1/hosts");
      hostIds.push(created.host.id);
      const address = `${net.hosts[i]!.address}:${AGENT_PORT}`;
      agents[i] = await startAgentProcess({
        dataDir: agentDir(i),
        netns: net.hosts[i]!.netns,
        env: agentEnv(i),
        args: ["--register", created.registration_token, "--address", address, "--control-plane", `http://${net.gateway}:${CP_PORTS[i % 2]}`],
      });
    }
    for (const id of hostIds) {
      await until(`host ${id} online`, async () => {
        const h = (await api(0, "GET", `/v1/hosts/${id}`, { auth: adminJwt })).body;
        return h?.status === "online" && h.memory_mb > 0 ? true : undefined;
      });
    }

    // Warm-up, untimed: a few creates so every host has run the template once.
    for (let n = 0; n < 6; n++) {
      checkInterrupted();
      const c = expectStatus(await api(n % 2, "POST", "/v1/capsules", { body: CAPSULE }), 201, "warm-up create");
      liveRest.add(c.id);
      expectStatus(await api(n % 2, "DELETE", `/v1/capsules/${c.id}`), 204, "warm-up delete");
      liveRest.delete(c.id);
    }

    // 1. Through the control plane: clients alternate replicas.
    const fleet = { create: [] as number[], del: [] as number[], errors: new Errors(), perHost: Object.fromEntries(hostIds.map((h) => [h, 0])) as Record<string, number> };
    const loadDuring: string[] = [];
    const sampler = setInterval(() => loadDuring.push(uptime().split(" ").slice(0, 3).join(" ")), 10_000);
    console.error(`fleet load: ${CLIENTS} clients for ${DURATION_S} s`);
    let fleetSeconds: number;
    try {
      fleetSeconds = await runLoad(CLIENTS, DURATION_S, async (client) => {
        const replica = client % 2;
        let id: string | undefined;
        try {
          const start = process.hrtime.bigint();
          const res = await api(replica, "POST", "/v1/capsules", { body: CAPSULE });
          const elapsed = ms(start);
          const body = expectStatus(res, 201, "POST /v1/capsules");
          id = body.id as string;
          liveRest.add(id);
          fleet.create.push(elapsed);
          fleet.perHost[body.host_id] = (fleet.perHost[body.host_id] ?? 0) + 1;
        } catch (err) {
          fleet.errors.add(err, "create");
          await sleep(100); // no hot loop against a failing service
          return;
        }
        try {
          const start = process.hrtime.bigint();
          const res = await api(replica, "DELETE", `/v1/capsules/${id}`);
          const elapsed = ms(start);
          if (res.status === 404) {
            // Created a moment ago and already gone: say what the database holds for it.
            const row = await db!.db.selectFrom("capsules").select(["status", "error", "stopped_at"]).where("id", "=", id).executeTakeFirst().catch(() => undefined);
            const audit = await db!.db.selectFrom("audit_logs").select(["action", "created_at"]).where("resource_id", "=", id).execute().catch(() => []);
            res.body = { ...res.body, bench_row: row, bench_audit: audit };
          }
          expectStatus(res, 204, `DELETE /v1/capsules/${id}`);
          liveRest.delete(id);
          fleet.del.push(elapsed);
        } catch (err) {
          fleet.errors.add(err, "delete");
          await sleep(100);
        }
      });
    } finally {
      clearInterval(sampler);
    }
    checkInterrupted();

    // 2. Baselines straight against the agents' RPC (mTLS, a control-plane certificate):
    //  a. agent 1 alone with a third of the clients: the load each agent carried above;
    //  b. all three agents with all the clients: the same machine load as above (on one
    //     machine the three "hosts" share its cores, so this is the like-for-like one).
    const ca = loadOrCreateCa(CP_DATA);
    const cert = issueCertificate(ca, { commonName: "wrenn-bench-fleet", role: "control-plane" });
    direct = hostIds.map((id, i) => connectAgent(id, `https://${net!.hosts[i]!.address}:${AGENT_PORT}`, { caCertPem: ca.certPem, certPem: cert.certPem, keyPem: cert.keyPem }));
    const spec = { template: CAPSULE.template, vcpus: 1, memoryMb: CAPSULE.memory_mb, diskMb: 4096, timeoutSec: 300 };
    for (const handle of direct) {
      const capsuleId = newId("capsule");
      await handle.client.createCapsule({ capsuleId, ...spec }, { signal: requestSignal() });
      await handle.client.destroyCapsule({ capsuleId }, { signal: requestSignal() });
    }
    const baseline = async (name: string, clients: number, targets: NonNullable<typeof direct>): Promise<Record<string, unknown> & { create_ms: ReturnType<typeof pcts>; creates_per_s: number; errorCount: number }> => {
      checkInterrupted();
      console.error(`${name}: ${clients} clients for ${DURATION_S} s straight to ${targets.length} agent(s)`);
      const r = { create: [] as number[], del: [] as number[], errors: new Errors() };
      const during: string[] = [];
      const timer = setInterval(() => during.push(uptime().split(" ").slice(0, 3).join(" ")), 10_000);
      let seconds: number;
      try {
        seconds = await runLoad(clients, DURATION_S, async (client) => {
          const agent = targets[client % targets.length]!;
          const capsuleId = newId("capsule");
          try {
            liveDirect.set(capsuleId, agent);
            const start = process.hrtime.bigint();
            await agent.client.createCapsule({ capsuleId, ...spec }, { signal: requestSignal() });
            r.create.push(ms(start));
          } catch (err) {
            r.errors.add(err, "create");
            await sleep(100);
            return;
          }
          try {
            const start = process.hrtime.bigint();
            await agent.client.destroyCapsule({ capsuleId }, { signal: requestSignal() });
            r.del.push(ms(start));
            liveDirect.delete(capsuleId);
          } catch (err) {
            r.errors.add(err, "delete");
            await sleep(100);
          }
        });
      } finally {
        clearInterval(timer);
      }
      checkInterrupted();
      const out = {
        bench: name,
        hosts: targets.length,
        clients,
        duration_s: DURATION_S,
        elapsed_s: round1(seconds),
        creates: r.create.length,
        creates_per_s: round1(r.create.length / seconds),
        create_ms: pcts(r.create),
        delete_ms: pcts(r.del),
        errors: r.errors.json(),
        loadavg_during: during,
      };
      return { ...out, errorCount: r.errors.count };
    };
    const one = await baseline("fleet.baseline_one_agent_rpc", BASELINE_CLIENTS, direct.slice(0, 1));
    const all = await baseline("fleet.baseline_three_agents_rpc", CLIENTS, direct);

    const fleetCreate = pcts(fleet.create);
    const fleetPerS = round1(fleet.create.length / fleetSeconds);
    report({
      bench: "fleet.creates",
      hosts: 3,
      replicas: 2,
      clients: CLIENTS,
      duration_s: DURATION_S,
      elapsed_s: round1(fleetSeconds),
      creates: fleet.create.length,
      creates_per_s: fleetPerS,
      create_ms: fleetCreate,
      delete_ms: pcts(fleet.del),
      errors: fleet.errors.json(),
      per_host: fleet.perHost,
      loadavg_during: loadDuring,
    });
    for (const b of [one, all]) {
      const { errorCount: _, ...line } = b;
      report(line);
    }
    if (fleetCreate && one.create_ms && all.create_ms) {
      report({
        bench: "fleet.control_plane_overhead",
        // Like for like: the same clients and machine load, straight to the three agents.
        vs_three_agents: { create_p50_ms: round1(fleetCreate.p50 - all.create_ms.p50), create_p99_ms: round1(fleetCreate.p99 - all.create_ms.p99), creates_per_s: round1(fleetPerS - all.creates_per_s) },
        // Per-agent load: one agent with a third of the clients (and a third of the machine load).
        vs_one_agent: { create_p50_ms: round1(fleetCreate.p50 - one.create_ms.p50), create_p99_ms: round1(fleetCreate.p99 - one.create_ms.p99), creates_per_s_vs_3x: round1(fleetPerS - 3 * one.creates_per_s) },
      });
    }
    if (fleet.errors.count > 0 || one.errorCount > 0 || all.errorCount > 0) failed = true;
  } catch (err) {
    console.error("bench failed:", err);
    failed = true;
  } finally {
    console.error("cleaning up");
    const leftovers: string[] = [];
    // Capsules through the API first (so the database agrees), then straight on the agents.
    for (const id of liveRest) {
      const res = await api(0, "DELETE", `/v1/capsules/${id}`).catch(() => undefined);
      if (res && (res.status === 204 || res.status === 404)) liveRest.delete(id);
    }
    for (const [capsuleId, agent] of liveDirect) {
      await agent.client.destroyCapsule({ capsuleId }, { timeoutMs: 30_000 }).then(
        () => liveDirect.delete(capsuleId),
        (err) => (err instanceof ConnectError && err.code === Code.NotFound ? liveDirect.delete(capsuleId) : undefined),
      );
    }
    if (liveRest.size + liveDirect.size > 0) console.error(`${liveRest.size + liveDirect.size} capsule(s) not deleted directly; the agents' leftover sweep destroys them`);
    await cleanAgents();
    for (const r of replicas) await r.close().catch((err) => console.error(`closing a replica: ${err}`));
    await db?.close().catch(() => {});
    await pgCluster?.stop().catch((err) => console.error(`stopping PostgreSQL: ${err}`));
    if (pgCluster && existsSync(pgCluster.dir)) leftovers.push(`PostgreSQL cluster directory ${pgCluster.dir} still present`);

    // Leak check: mounts and runsc processes under our data dirs, capsule namespaces under
    // our prefixes (iptables rules live in the test hosts' namespaces and go with them).
    for (let i = 0; i < 3; i++) {
      const left = hostResources(agentDir(i), `${NETWORKS[i]!.WRENN_CHAIN_PREFIX}-EG-`);
      if (left.mounts.length) leftovers.push(`agent ${i + 1}: ${left.mounts.length} mount(s) under ${agentDir(i)}: ${left.mounts.slice(0, 3).join(", ")}`);
      if (left.runscProcesses) leftovers.push(`agent ${i + 1}: ${left.runscProcesses} runsc process(es)`);
      if (left.mounts.length === 0 && left.runscProcesses === 0) rmSync(agentDir(i), { recursive: true, force: true });
    }
    const capsuleNetns = readNetns().filter((n) => /^bfleet[abc]-/.test(n));
    // Blank pairs (`<prefix>-pool-*`) are pre-made spares an agent leaves on exit and clears at
    // its next start; capsule namespaces (`<prefix>-cl-*`) would be real leaks.
    const leaked = capsuleNetns.filter((n) => !n.includes("-pool-"));
    if (leaked.length) leftovers.push(`capsule network namespaces: ${leaked.join(", ")}`);
    for (const n of capsuleNetns) removeNetns(n);
    // Also when createTestHosts failed half-way (net unset).
    try {
      removeTestHosts("tfb");
    } catch (err) {
      leftovers.push((err as Error).message);
    }
    const stillThere = readNetns().filter((n) => /^(tfb\d|bfleet[abc]-)/.test(n));
    if (stillThere.length) leftovers.push(`network namespaces still present: ${stillThere.join(", ")}`);
    rmSync(CP_DATA, { recursive: true, force: true });
    const loadAfter = uptime();
    console.error(`load after: ${loadAfter} (${cpus().length} cores)`);
    report({ bench: "fleet.machine", cores: cpus().length, loadavg_before: loadBefore, loadavg_after: loadAfter, leftovers });
    if (leftovers.length) {
      console.error(`WARNING: the fleet bench left things behind:\n  ${leftovers.join("\n  ")}`);
      failed = true;
    }
    if (failed || interrupted) process.exitCode = 1;
  }
}

function readNetns(): string[] {
  try {
    return execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(" ")[0]!);
  } catch {
    return [];
  }
}

function removeNetns(name: string): void {
  try {
    execFileSync("ip", ["netns", "del", name], { stdio: "ignore" });
  } catch {}
}

await main();
// Connect/undici keep-alive sessions would hold the event loop open.
process.exit(process.exitCode ?? 0);
