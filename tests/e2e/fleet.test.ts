// Many hosts behind one control plane, on one machine: one PostgreSQL, two control-plane
// replicas, three host agents each in its own network namespace with its own address,
// registered through the real flow and reached over mTLS.
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHmac, X509Certificate } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SignJWT } from "jose";
import { acquireLease, leaseHolder, openDatabase, type WrennDatabase } from "@wrenn/db";
import {
  bootstrapAccount,
  connectAgent,
  issueCertificate,
  loadConfig,
  loadOrCreateCa,
  signHostToken,
  startControlPlane,
  type ControlPlaneConfig,
  type RunningControlPlane,
} from "@wrenn/control-plane";
import { createTestDatabase, createTestHosts, destroyLeftovers, dropTestDatabase, hostResources, startAgentProcess, type RunningAgent, type TestHostNetwork } from "@wrenn/testkit";
import { WsClient } from "../integration/control-plane/support/ws-client.js";

const CP_DATA = "/var/tmp/wrenn-test-fleet-cp";
const AGENT_PORT = 19800;
const CP_PORTS = [19760, 19761] as const;
const JWT_SECRET = new TextEncoder().encode(`fleet-test-secret-${"y".repeat(32)}`);
/** Per agent: its own capsule network names (agents clear other-looking namespaces as debris). */
const NETWORKS = [
  { WRENN_NETWORK_POOL: "10.41.0.0/16", WRENN_CHAIN_PREFIX: "TFLEETA", WRENN_VETH_PREFIX: "fa" },
  { WRENN_NETWORK_POOL: "10.42.0.0/16", WRENN_CHAIN_PREFIX: "TFLEETB", WRENN_VETH_PREFIX: "fb" },
  { WRENN_NETWORK_POOL: "10.43.0.0/16", WRENN_CHAIN_PREFIX: "TFLEETC", WRENN_VETH_PREFIX: "fc" },
];
const agentDir = (i: number): string => `/var/tmp/wrenn-test-fleet-agent${i + 1}`;
const agentEnv = (i: number): NodeJS.ProcessEnv => ({
  ...NETWORKS[i],
  WRENN_HEARTBEAT_INTERVAL_SEC: "2",
  // Each test host offers 2 GiB: with the default 1 GiB reserve, two 512 MB capsules fit.
  WRENN_HOST_MEMORY_MB: "2048",
  WRENN_WARM_POOLS: "",
  WRENN_REAP_INTERVAL_MS: "500",
});

interface Replica {
  cp: RunningControlPlane;
  url: string;
}

describe("fleet: two control planes, three registered hosts", () => {
  let net: TestHostNetwork;
  let dbUrl: string;
  let db: WrennDatabase;
  const replicas: Replica[] = [];
  const agents: (RunningAgent | undefined)[] = [undefined, undefined, undefined];
  const hostIds: string[] = [];
  let adminKey = "";
  let adminJwt = "";
  let byocKey = "";
  let byocJwt = "";
  let byocTeam = "";

  const config = (i: number): ControlPlaneConfig =>
    loadConfig(
      {},
      {
        dataDir: CP_DATA,
        host: net.gateway,
        port: CP_PORTS[i],
        databaseUrl: dbUrl,
        jwtSecret: JWT_SECRET,
        reconcileIntervalSec: 2,
        teamSampleIntervalSec: 0,
        heartbeatTimeoutSec: 8,
        hostMonitorIntervalSec: 1,
        hostTokenTtlSec: 20,
        hostCertValidSec: 45,
        channelsAllowPrivate: true,
        logLevel: process.env.WRENN_TEST_LOG ?? "silent",
      },
    );
  const startReplica = async (i: number): Promise<Replica> => {
    const cp = await startControlPlane(config(i));
    replicas[i] = { cp, url: cp.url };
    return replicas[i]!;
  };
  const api = async (replica: number, method: string, path: string, options: { body?: unknown; auth?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any }> => {
    const auth = options.auth ?? adminKey;
    const headers: Record<string, string> = { ...options.headers, ...(auth.startsWith("wrn_") ? { "x-api-key": auth } : { authorization: `Bearer ${auth}` }) };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(replicas[replica]!.url + path, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: text && (res.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : text };
  };
  const login = async (email: string): Promise<string> => (await api(0, "POST", "/v1/auth/login", { body: { email, password: "correct horse battery" }, auth: "" })).body.token as string;
  const startAgent = (i: number, args?: string[]): Promise<RunningAgent> =>
    startAgentProcess({ dataDir: agentDir(i), netns: net.hosts[i]!.netns, env: agentEnv(i), args: args ?? [] }).then((a) => (agents[i] = a));
  const until = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(250);
    }
  };
  const host = async (id: string): Promise<any> => (await api(0, "GET", `/v1/hosts/${id}`, { auth: adminJwt })).body;
  const capsule = async (id: string, replica = 0, auth = adminKey): Promise<any> => (await api(replica, "GET", `/v1/capsules/${id}`, { auth })).body;
  const exec = async (replica: number, id: string, script: string, auth = adminKey): Promise<any> =>
    (await api(replica, "POST", `/v1/capsules/${id}/exec`, { auth, body: { cmd: "/bin/bash", args: ["-c", script] } })).body;
  const credentials = (i: number): any => JSON.parse(readFileSync(`${agentDir(i)}/host/credentials.json`, "utf8"));

  // A webhook receiver on loopback: every delivery it gets, as sent.
  const received: { delivery: string; event: string; timestamp: string; signature: string; body: string }[] = [];
  let receiver: Server | undefined;
  const channels: { id: string; secret: string }[] = [];

  const cleanAgents = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) {
      if (process.env.WRENN_TEST_LOG && agents[i]) writeFileSync(`/tmp/wrenn-fleet-agent${i + 1}.log`, agents[i]!.logs.join("\n"));
      await agents[i]?.stop().catch(() => {});
      agents[i] = undefined;
      if (net) await destroyLeftovers(agentDir(i), agentEnv(i), { netns: net.hosts[i]!.netns, host: net.hosts[i]!.address });
    }
  };

  beforeAll(async () => {
    net = createTestHosts({ prefix: "tfh", count: 3, subnet: 1 });
    await cleanAgents();
    for (let i = 0; i < 3; i++) rmSync(agentDir(i), { recursive: true, force: true });
    rmSync(CP_DATA, { recursive: true, force: true });
    dbUrl = await createTestDatabase(inject("postgresUrl"));
    db = await openDatabase({ url: dbUrl });
    await startReplica(0);
    await startReplica(1);

    const admin = await bootstrapAccount(db.db, { email: "admin@fleet.test", password: "correct horse battery", isAdmin: true });
    adminKey = admin.apiKey;
    adminJwt = await login("admin@fleet.test");
    const byoc = await bootstrapAccount(db.db, { email: "byoc@fleet.test", password: "correct horse battery" });
    byocKey = byoc.apiKey;
    byocTeam = byoc.teamId;
    byocJwt = await login("byoc@fleet.test");
    expect((await api(0, "PATCH", `/v1/admin/teams/${byocTeam}`, { auth: adminJwt, body: { is_byoc: true } })).status).toBe(200);

    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        received.push({
          delivery: String(req.headers["x-wrenn-delivery"]),
          event: String(req.headers["x-wrenn-event"]),
          timestamp: String(req.headers["x-wrenn-timestamp"]),
          signature: String(req.headers["x-wrenn-signature"]),
          body,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver!.listen(0, "127.0.0.1", resolve));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    for (const [auth, body] of [
      [adminKey, { name: "capsules", provider: "webhook", config: { url: hook }, events: ["capsule.created", "capsule.running", "capsule.paused", "capsule.destroyed"] }],
      [adminJwt, { name: "hosts", provider: "webhook", scope: "platform", config: { url: hook }, events: ["host.up", "host.down"] }],
    ] as const) {
      const made = await api(1, "POST", "/v1/channels", { auth, body });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      channels.push({ id: made.body.id, secret: made.body.secret });
    }

    // Host 1 registers through replica 0, hosts 2 and 3 (BYOC) through replica 1.
    const plans = [
      { replica: 0, auth: adminJwt, body: { type: "regular", tags: ["a"] } },
      { replica: 1, auth: adminJwt, body: { type: "regular", tags: ["b"] } },
      { replica: 1, auth: byocJwt, body: { type: "byoc" } },
    ];
    for (const [i, plan] of plans.entries()) {
      const created = await api(plan.replica, "POST", "/v1/hosts", { auth: plan.auth, body: plan.body });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.host.status).toBe("pending");
      hostIds.push(created.body.host.id);
      const address = `${net.hosts[i]!.address}:${AGENT_PORT}`;
      await startAgent(i, ["--register", created.body.registration_token, "--address", address, "--control-plane", `http://${net.gateway}:${CP_PORTS[plan.replica]}`]);
    }
  }, 600_000);

  afterAll(async () => {
    try {
      await cleanAgents();
      for (let i = 0; i < 3; i++) {
        const left = hostResources(agentDir(i), `${NETWORKS[i]!.WRENN_CHAIN_PREFIX}-EG-`);
        expect({ mounts: left.mounts, runscProcesses: left.runscProcesses }).toEqual({ mounts: [], runscProcesses: 0 });
        rmSync(agentDir(i), { recursive: true, force: true });
      }
    } finally {
      for (const r of replicas) await r?.cp.close().catch(() => {});
      await db?.close();
      if (dbUrl) await dropTestDatabase(dbUrl);
      net?.remove();
      receiver?.close();
      rmSync(CP_DATA, { recursive: true, force: true });
    }
  }, 300_000);

  it("registers agents with one-time tokens; they keep their credentials (0600) and serve mTLS", async () => {
    for (let i = 0; i < 3; i++) {
      const row = await host(hostIds[i]!);
      expect(row).toMatchObject({ status: "online", mode: "registered", memory_mb: 2048, address: `${net.hosts[i]!.address}:${AGENT_PORT}` });
      expect(statSync(`${agentDir(i)}/host/credentials.json`).mode & 0o777).toBe(0o600);
      expect(credentials(i).host_id).toBe(hostIds[i]);
    }
    expect((await host(hostIds[2]!)).team_id).toBe(byocTeam);
    // Admins see every host; the BYOC team's owner only its own; an API key none.
    expect((await api(1, "GET", "/v1/hosts", { auth: adminJwt })).body.hosts.map((h: any) => h.id).sort()).toEqual([...hostIds].sort());
    expect((await api(1, "GET", "/v1/hosts", { auth: byocJwt })).body.hosts.map((h: any) => h.id)).toEqual([hostIds[2]]);
    expect((await api(1, "GET", "/v1/hosts", { auth: byocKey })).status).toBe(403);
    // A used registration token is worthless; so is a made-up one.
    const reuse = await api(0, "POST", "/v1/hosts/register", { auth: "", body: { token: "wrh_made-up", address: "10.0.0.1:1", arch: "x86_64", cpu_cores: 1, memory_mb: 1024, disk_gb: 1 } });
    expect(reuse.status).toBe(401);
    // Bad input is refused with the error shape.
    const bad = await api(0, "POST", "/v1/hosts/register", { auth: "", body: { token: "x", address: "no-port", arch: "x", cpu_cores: 0, memory_mb: 1, disk_gb: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_request");
  });

  it("expires registration tokens after an hour and regenerates them for pending hosts only", async () => {
    const created = await api(0, "POST", "/v1/hosts", { auth: adminJwt, body: { type: "regular" } });
    const id = created.body.host.id as string;
    await db.db.updateTable("hosts").set({ registration_expires_at: new Date(Date.now() - 1000) }).where("id", "=", id).execute();
    const late = await api(0, "POST", "/v1/hosts/register", { auth: "", body: { token: created.body.registration_token, address: "10.40.1.99:1", arch: "x86_64", cpu_cores: 1, memory_mb: 1024, disk_gb: 1 } });
    expect(late.status).toBe(401);
    expect(late.body.error.message).toMatch(/expired/);
    const again = await api(1, "POST", `/v1/hosts/${id}/token`, { auth: adminJwt });
    expect(again.status).toBe(200);
    expect(again.body.registration_token).not.toBe(created.body.registration_token);
    expect((await api(1, "POST", `/v1/hosts/${hostIds[0]}/token`, { auth: adminJwt })).status).toBe(409);
    expect((await api(1, "DELETE", `/v1/hosts/${id}`, { auth: adminJwt })).status).toBe(204);
  });

  let kept: { host1: string; host2: string; byoc: string };

  it("spreads capsules over hosts, respects capacity, and keeps BYOC teams on their own hosts", async () => {
    const created: { id: string; host: string }[] = [];
    for (let n = 0; n < 4; n++) {
      const res = await api(n % 2, "POST", "/v1/capsules", { body: { template: "minimal", memory_mb: 512 } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      created.push({ id: res.body.id, host: res.body.host_id });
    }
    // Two per regular host; none on the BYOC host.
    const perHost = (h: string): number => created.filter((c) => c.host === h).length;
    expect([perHost(hostIds[0]!), perHost(hostIds[1]!), perHost(hostIds[2]!)]).toEqual([2, 2, 0]);
    const full = await api(0, "POST", "/v1/capsules", { body: { template: "minimal", memory_mb: 512 } });
    expect(full.status).toBe(503);
    expect(full.body.error.code).toBe("no_hosts_available");
    expect(full.body.error.message).toMatch(/memory/);

    const byoc: string[] = [];
    for (let n = 0; n < 2; n++) {
      const res = await api(1, "POST", "/v1/capsules", { auth: byocKey, body: { template: "minimal", memory_mb: 512 } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.host_id).toBe(hostIds[2]);
      byoc.push(res.body.id);
    }
    const byocFull = await api(0, "POST", "/v1/capsules", { auth: byocKey, body: { template: "minimal", memory_mb: 512 } });
    expect(byocFull.status).toBe(503);
    expect(byocFull.body.error.message).toMatch(/BYOC|own hosts|memory/);

    // Keep one capsule per host for what follows; the rest go.
    const onHost = (h: string) => created.filter((c) => c.host === h).map((c) => c.id);
    kept = { host1: onHost(hostIds[0]!)[0]!, host2: onHost(hostIds[1]!)[0]!, byoc: byoc[0]! };
    for (const id of [onHost(hostIds[0]!)[1]!, onHost(hostIds[1]!)[1]!]) expect((await api(1, "DELETE", `/v1/capsules/${id}`)).status).toBe(204);
    expect((await api(0, "DELETE", `/v1/capsules/${byoc[1]}`, { auth: byocKey })).status).toBe(204);
    // A paused capsule counts partially: room again after the deletes.
    expect((await capsule(kept.host1)).status).toBe("running");
  }, 180_000);

  it("serves a capsule created through one replica from the other, including its WebSocket streams", async () => {
    expect((await exec(1, kept.host1, "echo kept > /tmp/state; (sleep 1000 &) ; echo ok")).stdout).toBe("ok\n");
    expect((await exec(0, kept.byoc, "hostname >/dev/null && echo byoc", byocKey)).stdout).toBe("byoc\n");
    const ws = await WsClient.open(`ws://${net.gateway}:${CP_PORTS[1]}/v1/capsules/${kept.host2}/exec/stream`, adminKey);
    ws.send({ type: "start", cmd: "/bin/bash", args: ["-c", "echo streamed; exit 4"] });
    expect(await ws.next("exit")).toEqual({ type: "exit", exit_code: 4 });
    expect(ws.bytesOf("stdout").toString()).toBe("streamed\n");
    // Team isolation holds across hosts: the BYOC team cannot see the admin team's capsule.
    expect((await api(1, "GET", `/v1/capsules/${kept.host1}`, { auth: byocKey })).status).toBe(404);
  });

  it("refuses forged, foreign and expired certificates, and forged or expired host tokens", async () => {
    const ca = loadOrCreateCa(CP_DATA);
    const url = `https://${net.hosts[0]!.address}:${AGENT_PORT}`;
    const call = (tls: { certPem: string; keyPem: string }) =>
      connectAgent(hostIds[0]!, url, { caCertPem: ca.certPem, ...tls }).client.getHostStats({}, { timeoutMs: 5_000 });
    const good = issueCertificate(ca, { commonName: "test-control-plane", role: "control-plane" });
    expect((await call(good)).cpuCores).toBeGreaterThan(0);
    // Another CA's control-plane certificate.
    const foreign = issueCertificate(loadOrCreateCa(`${CP_DATA}-foreign`), { commonName: "wrenn-control-plane", role: "control-plane" });
    rmSync(`${CP_DATA}-foreign`, { recursive: true, force: true });
    await expect(call(foreign)).rejects.toThrow();
    // Our CA, but an agent's certificate: agents cannot drive each other.
    const other = credentials(1);
    await expect(call({ certPem: other.cert_pem, keyPem: other.key_pem })).rejects.toThrow();
    // Our CA, control-plane role, expired.
    const expired = issueCertificate(ca, { commonName: "wrenn-control-plane", role: "control-plane", validMs: 1_000 });
    await sleep(1_500);
    await expect(call(expired)).rejects.toThrow();

    const beat = (id: string, token: string) => api(0, "POST", `/v1/hosts/${id}/heartbeat`, { auth: "", headers: { "x-host-token": token }, body: {} });
    const forged = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(hostIds[0]!).setAudience("wrenn-host").setIssuer("wrenn").setExpirationTime("1h").sign(new TextEncoder().encode("x".repeat(48)));
    expect((await beat(hostIds[0]!, forged)).status).toBe(401);
    const stale = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(hostIds[0]!).setAudience("wrenn-host").setIssuer("wrenn").setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(Math.floor(Date.now() / 1000) - 3600).sign(JWT_SECRET);
    expect((await beat(hostIds[0]!, stale)).status).toBe(401);
    const ofHost2 = await signHostToken(JWT_SECRET, hostIds[1]!, 60);
    expect((await beat(hostIds[0]!, ofHost2.token)).status).toBe(403);
    // A host token is no user session, and a user session no host token.
    expect((await api(0, "GET", "/v1/capsules", { auth: ofHost2.token })).status).toBe(401);
    expect((await beat(hostIds[0]!, adminJwt)).status).toBe(401);
    expect((await beat(hostIds[0]!, "")).status).toBe(401);
  }, 60_000);

  it("refreshes host tokens (rotating refresh tokens) and renews certificates before expiry, without restarts", async () => {
    const first = credentials(0);
    const firstSerial = (await db.db.selectFrom("hosts").select("cert_serial").where("id", "=", hostIds[0]!).executeTakeFirstOrThrow()).cert_serial;
    // Host JWTs live 20 s and certificates 45 s here: the agent refreshes and renews on its own.
    await until("a refreshed host token", async () => (credentials(0).refresh_token !== first.refresh_token ? true : undefined), 40_000);
    const used = await api(1, "POST", "/v1/hosts/auth/refresh", { auth: "", body: { refresh_token: first.refresh_token } });
    expect(used.status).toBe(401);
    await until("a renewed certificate", async () => (credentials(0).cert_pem !== first.cert_pem ? true : undefined), 60_000);
    const serial = (await db.db.selectFrom("hosts").select("cert_serial").where("id", "=", hostIds[0]!).executeTakeFirstOrThrow()).cert_serial;
    expect(serial).not.toBe(firstSerial);
    // Past the first certificate's lifetime, new connections (a fresh TLS handshake with
    // each agent) and both replicas still reach every agent: renewed in place.
    await sleep(Math.max(0, new Date(new X509Certificate(first.cert_pem).validTo).getTime() - Date.now() + 1_000));
    const ca = loadOrCreateCa(CP_DATA);
    const client = issueCertificate(ca, { commonName: "test-control-plane", role: "control-plane" });
    for (let i = 0; i < 3; i++) {
      const fresh = connectAgent(hostIds[i]!, `https://${net.hosts[i]!.address}:${AGENT_PORT}`, { caCertPem: ca.certPem, certPem: client.certPem, keyPem: client.keyPem });
      expect((await fresh.client.getHostStats({}, { timeoutMs: 5_000 })).cpuCores, `agent ${i + 1}`).toBeGreaterThan(0);
    }
    expect((await exec(0, kept.host1, "cat /tmp/state")).stdout).toBe("kept\n");
    expect((await exec(1, kept.host1, "cat /tmp/state")).stdout).toBe("kept\n");
    expect(agents[0]!.child.exitCode).toBeNull();
  }, 120_000);

  it("marks a killed agent's host unreachable and its capsules missing, and brings them back when it restarts", async () => {
    await agents[0]!.kill();
    await until("host 1 unreachable", async () => ((await host(hostIds[0]!)).status === "unreachable" ? true : undefined), 30_000);
    expect((await capsule(kept.host1)).status).toBe("missing");
    // Other hosts carry on.
    expect((await exec(0, kept.host2, "echo alive")).stdout).toBe("alive\n");
    const audit = await api(0, "GET", "/v1/admin/audit-logs?action=host.down", { auth: adminJwt });
    expect(audit.body.items.map((e: any) => e.resource_id)).toContain(hostIds[0]);
    // Resuming or creating on it is refused clearly meanwhile.
    expect((await api(0, "POST", `/v1/capsules/${kept.host1}/resume`)).status).toBe(409);

    await startAgent(0);
    await until("host 1 online", async () => ((await host(hostIds[0]!)).status === "online" ? true : undefined), 30_000);
    await until("capsule back to running", async () => ((await capsule(kept.host1)).status === "running" ? true : undefined), 30_000);
    expect((await exec(1, kept.host1, "cat /tmp/state; pgrep -x sleep >/dev/null && echo sleeping")).stdout).toBe("kept\nsleeping\n");
  }, 120_000);

  it("runs each background worker on one replica at a time, and hands over when that replica stops", async () => {
    const holder = await until("a host-monitor lease", async () => (await leaseHolder(db.db, "host-monitor")) ?? undefined);
    const ids = replicas.map((r) => r.cp.deps.replicaId);
    expect(ids).toContain(holder.holder);
    // Racing replicas: exactly one wins each round.
    for (let round = 0; round < 50; round++) {
      const name = `race-${round}`;
      const wins = await Promise.all(ids.map((id) => acquireLease(db.db, name, id, 10_000)));
      expect(wins.filter(Boolean)).toHaveLength(1);
    }
    const index = ids.indexOf(holder.holder);
    await replicas[index]!.cp.close();
    await until("the other replica to take over", async () => ((await leaseHolder(db.db, "host-monitor"))?.holder === ids[1 - index] ? true : undefined), 20_000);
    await startReplica(index);
    expect((await exec(index, kept.host1, "echo back")).stdout).toBe("back\n");
  }, 90_000);

  it("deletes a host with force: its capsules are destroyed, the agent shuts down and forgets its credentials", async () => {
    // The agent rotates its refresh token as it goes: keep the newest it stored.
    let refreshToken: string = credentials(1).refresh_token;
    const latestRefreshToken = (): void => {
      try {
        refreshToken = credentials(1).refresh_token;
      } catch {
        // Gone: the agent forgot its credentials.
      }
    };
    const refused = await api(0, "DELETE", `/v1/hosts/${hostIds[1]}`, { auth: adminJwt });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "host_has_capsules", details: { capsule_ids: [kept.host2] } });
    expect((await api(0, "DELETE", `/v1/hosts/${hostIds[1]}?force=true`, { auth: adminJwt })).status).toBe(204);
    expect((await api(0, "GET", `/v1/capsules/${kept.host2}`)).status).toBe(404);
    const row = await db.db.selectFrom("capsules").select(["status", "error"]).where("id", "=", kept.host2).executeTakeFirstOrThrow();
    expect(row.status).toBe("stopped");
    const agent = agents[1]!;
    // It learns at its next heartbeat (2 s here), destroys what it still holds and stops.
    await until("agent 2 to exit", async () => {
      latestRefreshToken();
      return agent.child.exitCode !== null ? true : undefined;
    }, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}; its last log lines:\n${agent.logs.slice(-15).join("\n")}`);
    });
    expect(agent.child.exitCode).toBe(0);
    expect(existsSync(`${agentDir(1)}/host/credentials.json`)).toBe(false);
    // An agent whose host token had expired learns the same from its refresh token.
    const refreshed = await api(0, "POST", "/v1/hosts/auth/refresh", { auth: "", body: { refresh_token: refreshToken } });
    expect(refreshed.status).toBe(404);
    expect(hostResources(agentDir(1), "TFLEETB-EG-").runscProcesses).toBe(0);
    expect((await api(1, "GET", "/v1/hosts", { auth: adminJwt })).body.hosts.map((h: any) => h.id)).not.toContain(hostIds[1]);
    agents[1] = undefined;
  }, 120_000);

  it("delivers every event to the webhooks exactly once, signed, across a replica restart", async () => {
    const ids = channels.map((c) => c.id);
    const deliveries = await until(
      "every delivery done",
      async () => {
        const rows = await db.db.selectFrom("event_deliveries").select(["id", "status", "channel_id"]).where("channel_id", "in", ids).execute();
        return rows.length > 0 && rows.every((r) => r.status === "delivered") ? rows : undefined;
      },
      30_000,
    );
    const byDelivery = new Map<string, number>();
    for (const r of received) byDelivery.set(r.delivery, (byDelivery.get(r.delivery) ?? 0) + 1);
    expect([...byDelivery.values()].every((n) => n === 1)).toBe(true);
    expect([...byDelivery.keys()].sort()).toEqual(deliveries.map((d) => d.id).sort());
    for (const r of received) {
      const channel = channels[deliveries.find((d) => d.id === r.delivery)!.channel_id === channels[0]!.id ? 0 : 1]!;
      const expected = `sha256=${createHmac("sha256", channel.secret).update(`${r.timestamp}.${r.body}`).digest("hex")}`;
      expect(r.signature).toBe(expected);
      expect(JSON.parse(r.body).type).toBe(r.event);
    }
    const events = new Set(received.map((r) => `${r.event} ${r.body.includes(hostIds[0]!) ? "host1" : ""}`.trim()));
    expect(events).toContain("host.down host1");
    expect(events).toContain("host.up host1");
    const kinds = new Set(received.map((r) => r.event));
    for (const kind of ["capsule.created", "capsule.running", "capsule.destroyed", "host.up", "host.down"]) expect(kinds).toContain(kind);
  }, 60_000);
});
