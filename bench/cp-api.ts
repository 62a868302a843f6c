// Control plane overhead, measured against the host agent it drives, in the same run:
//  1. exec: REST `POST /v1/capsules/{id}/exec` of `echo hi` vs the agent's Exec RPC (N = 500),
//     also net of the agent's own handling (both report it in Server-Timing)
//  2. create: REST `POST /v1/capsules` vs the agent's CreateCapsule (N = 10 each, destroyed after,
//     alternating, each after the host settled; also per request, REST time minus the agent
//     call the control plane reports in Server-Timing, and the median of each step it reports;
//     and net of the agent's own handling, which both ways report: REST and RPC each minus
//     the agent's Server-Timing `handler`, compared at p50),
//     on the embedded database, then again with `wrenn up --database-url` on a PostgreSQL 15
//     started for the run (`cp.create.postgres.*`; BENCH_POSTGRES=0 skips it)
//  3. load: 50 concurrent clients doing REST exec for 60 s: throughput, p50/p99, errors
// Everything runs under a real `wrenn up` (built CLI) on its own data dir, ports and pool.
// Targets (issue 4): exec overhead p50 ≤ 2 ms, create overhead p50 ≤ 10 ms, zero errors.
// Run: npm run build && npm run bench -- cp-api   (BENCH_N, BENCH_CREATE_N, BENCH_SETTLE_MS, BENCH_LOAD_SEC, BENCH_CLIENTS)
import { readFileSync } from "node:fs";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { newId } from "@wrenn/core";
import { EgressMode, HostAgentService } from "@wrenn/proto/hostagent/v1";
import { startPostgres } from "@wrenn/testkit";
import { removeWrennUpData, startWrennUp, type WrennUp } from "../tests/e2e/support/wrenn-up.js";
import { report, summarize } from "./lib/stats.js";

const N = Number(process.env.BENCH_N ?? 500);
const CREATE_N = Number(process.env.BENCH_CREATE_N ?? 10);
const LOAD_SEC = Number(process.env.BENCH_LOAD_SEC ?? 60);
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 2000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const POSTGRES = process.env.BENCH_POSTGRES !== "0";
const DATA_DIR = "/var/tmp/wrenn-bench-cp";
const POOL = "10.45.0.0/16";
const PORT = 19925;
const AGENT_PORT = 19926;

async function main(): Promise<void> {
  const forwarding = readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8");
  const up = await startWrennUp({ dataDir: DATA_DIR, port: PORT, agentPort: AGENT_PORT, pool: POOL });
  const agent = createClient(HostAgentService, createConnectTransport({ baseUrl: `http://127.0.0.1:${AGENT_PORT}`, httpVersion: "2" }));
  const headers = { "x-api-key": up.apiKey, "content-type": "application/json" };
  const rest = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(up.url + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  try {
    // Idle through the create runs for minutes: a long timeout keeps it from auto-pausing.
    const capsule = await rest("POST", "/v1/capsules", { template: "minimal", timeout_sec: 3600 });
    const id = capsule.id as string;
    // The agent's own handling of the last call, as each way reports it (Server-Timing).
    let handler: number | undefined;
    const viaRest = async (): Promise<void> => {
      const res = await fetch(up.url + `/v1/capsules/${id}/exec`, { method: "POST", headers, body: JSON.stringify({ cmd: "echo", args: ["hi"] }) });
      const out = (await res.json()) as { stdout?: string };
      if (res.status !== 200) throw new Error(`exec → ${res.status} ${JSON.stringify(out)}`);
      if (out.stdout !== "hi\n") throw new Error(`unexpected stdout ${JSON.stringify(out.stdout)}`);
      handler = serverTiming(res.headers.get("server-timing") ?? "").agent_handler;
    };
    const viaAgent = async (): Promise<void> => {
      const out = await agent.exec({ capsuleId: id, cmd: "echo", args: ["hi"] }, { onHeader: (header) => (handler = serverTiming(header.get("server-timing") ?? "").handler) });
      if (Buffer.from(out.stdout).toString() !== "hi\n") throw new Error("unexpected stdout");
    };
    const time = async (samples: number[], fn: () => Promise<void>): Promise<void> => {
      const start = process.hrtime.bigint();
      await fn();
      samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    };
    const timeNet = async (samples: number[], net: number[], fn: () => Promise<void>): Promise<void> => {
      handler = undefined;
      await time(samples, fn);
      if (handler === undefined) throw new Error("the exec answer has no Server-Timing of the agent's handling");
      net.push(samples.at(-1)! - handler);
    };

    // 1. exec, alternating rounds of 50 so background noise hits both sides alike
    for (let i = 0; i < 20; i++) {
      await viaRest();
      await viaAgent();
    }
    const exec = { rest: [] as number[], agent: [] as number[], restNet: [] as number[], agentNet: [] as number[] };
    for (let done = 0; done < N; done += 50) {
      for (let i = 0; i < 50; i++) await timeNet(exec.rest, exec.restNet, viaRest);
      for (let i = 0; i < 50; i++) await timeNet(exec.agent, exec.agentNet, viaAgent);
    }
    const execRest = summarize(exec.rest);
    const execAgent = summarize(exec.agent);
    report({ name: "cp.exec.rest_ms", ...execRest });
    report({ name: "cp.exec.agent_rpc_ms", ...execAgent });
    report({ name: "cp.exec.overhead_ms", p50: +(execRest.p50 - execAgent.p50).toFixed(3), p99: +(execRest.p99 - execAgent.p99).toFixed(3) });
    // Net of the agent's own handling (the process in the capsule), as for creates below.
    const execRestNet = summarize(exec.restNet);
    const execAgentNet = summarize(exec.agentNet);
    report({ name: "cp.exec.rest_minus_agent_handler_ms", ...execRestNet });
    report({ name: "cp.exec.agent_rpc_minus_agent_handler_ms", ...execAgentNet });
    report({ name: "cp.exec.overhead_net_ms", p50: +(execRestNet.p50 - execAgentNet.p50).toFixed(3), p99: +(execRestNet.p99 - execAgentNet.p99).toFixed(3) });

    // 2. create, on the embedded database
    await measureCreates(up, "cp.create");

    // 3. sustained load
    const load: number[] = [];
    let errors = 0;
    const firstErrors: string[] = [];
    const deadline = Date.now() + LOAD_SEC * 1000;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (Date.now() < deadline) {
          try {
            await time(load, viaRest);
          } catch (err) {
            errors++;
            if (firstErrors.length < 3) firstErrors.push((err as Error).message);
          }
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    if (load.length > 0) report({ name: "cp.load.exec_ms", ...summarize(load) });
    report({ name: "cp.load", clients: CLIENTS, seconds: +seconds.toFixed(1), requests: load.length, rps: +(load.length / seconds).toFixed(1), errors, firstErrors });
    await rest("DELETE", `/v1/capsules/${id}`);
  } finally {
    await up.stop();
    const left = await removeWrennUpData(DATA_DIR, POOL, forwarding);
    console.error(`leftovers: ${JSON.stringify(left)}`);
  }
}

/**
 * Creates via REST and via the agent directly, alternating, each after the host settled.
 * Each create takes a capsule from the agent's warm pool, whose refill boots a capsule for
 * about a second: settling before every timed create keeps either side from running
 * against the other's refill. Capsules are destroyed right after, outside the timing.
 */
async function measureCreates(up: WrennUp, prefix: string): Promise<void> {
  const agent = createClient(HostAgentService, createConnectTransport({ baseUrl: `http://127.0.0.1:${AGENT_PORT}`, httpVersion: "2" }));
  const headers = { "x-api-key": up.apiKey, "content-type": "application/json" };
  const time = async (samples: number[], fn: () => Promise<void>): Promise<void> => {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  };
  const create = { rest: [] as number[], agent: [] as number[], paired: [] as number[], restNet: [] as number[], agentNet: [] as number[] };
  const steps = new Map<string, number[]>();
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const createViaRest = async (): Promise<void> => {
    await settle();
    const start = process.hrtime.bigint();
    const res = await fetch(up.url + "/v1/capsules", { method: "POST", headers, body: JSON.stringify({ template: "minimal" }) });
    const body = (await res.json()) as { id: string };
    const total = Number(process.hrtime.bigint() - start) / 1e6;
    if (res.status !== 201) throw new Error(`create → ${res.status} ${JSON.stringify(body)}`);
    create.rest.push(total);
    // The control plane reports each step, the agent call among them: what is left besides
    // the agent call is its own share of this request.
    const reported = serverTiming(res.headers.get("server-timing") ?? "");
    if (reported.agent === undefined) throw new Error("the create response has no Server-Timing agent duration");
    create.paired.push(total - reported.agent);
    if (reported.agent_handler === undefined) throw new Error("the create response has no Server-Timing agent_handler duration");
    create.restNet.push(total - reported.agent_handler);
    for (const [name, ms] of Object.entries({ ...reported, http: total - (reported.total ?? total) })) steps.set(name, [...(steps.get(name) ?? []), ms]);
    const gone = await fetch(`${up.url}/v1/capsules/${body.id}`, { method: "DELETE", headers });
    if (!gone.ok) throw new Error(`destroy → ${gone.status} ${await gone.text()}`);
  };
  const createViaAgent = async (): Promise<void> => {
    await settle();
    const agentId = newId("capsule");
    // The same request the control plane sends for `{ template: "minimal" }`.
    let handler: number | undefined;
    await time(create.agent, async () => {
      await agent.createCapsule({
        capsuleId: agentId,
        template: "minimal",
        vcpus: 1,
        memoryMb: 512,
        diskMb: 4096,
        timeoutSec: 300,
        envs: {},
        metadata: {},
        network: { egress: EgressMode.ALLOW_ALL, allowCidrs: [], allowDomains: [] },
      }, { onHeader: (header) => (handler = serverTiming(header.get("server-timing") ?? "").handler) });
    });
    if (handler === undefined) throw new Error("the agent's create answer has no Server-Timing handler duration");
    create.agentNet.push(create.agent.at(-1)! - handler);
    await agent.destroyCapsule({ capsuleId: agentId });
  };
  for (let i = 0; i < CREATE_N; i++) {
    const pair = i % 2 === 0 ? [createViaRest, createViaAgent] : [createViaAgent, createViaRest];
    for (const run of pair) await run();
  }
  const createRest = summarize(create.rest);
  const createAgent = summarize(create.agent);
  report({ name: `${prefix}.rest_ms`, ...createRest });
  report({ name: `${prefix}.agent_rpc_ms`, ...createAgent });
  report({ name: `${prefix}.overhead_ms`, p50: +(createRest.p50 - createAgent.p50).toFixed(3) });
  // Per request: REST time minus the agent call inside it (Server-Timing), free of the
  // create-to-create spread that the difference of two p50s carries.
  report({ name: `${prefix}.overhead_paired_ms`, ...summarize(create.paired) });
  // Both ways minus the agent's own handling (its Server-Timing): what each path adds around
  // the same work, free of how long each capsule took to hand out.
  const restNet = summarize(create.restNet);
  const agentNet = summarize(create.agentNet);
  report({ name: `${prefix}.rest_minus_agent_handler_ms`, ...restNet });
  report({ name: `${prefix}.agent_rpc_minus_agent_handler_ms`, ...agentNet });
  report({ name: `${prefix}.overhead_net_ms`, p50: +(restNet.p50 - agentNet.p50).toFixed(3) });
  // Medians of the steps the control plane reports; http: the client's time beyond the
  // control plane's own (both HTTP stacks and the loopback).
  report({ name: `${prefix}.steps_p50_ms`, ...Object.fromEntries([...steps].map(([name, ms]) => [name, summarize(ms).p50])) });
}

/** `name;dur=…` entries of a Server-Timing header. */
function serverTiming(header: string): Record<string, number> {
  return Object.fromEntries(header.split(",").flatMap((m) => {
    const dur = /;\s*dur=([\d.]+)/.exec(m);
    return dur ? [[m.split(";")[0]!.trim(), Number(dur[1])]] : [];
  }));
}

await main();
if (POSTGRES) await createsOnPostgres();

/** The create comparison again, with the control plane on PostgreSQL (a separate process). */
async function createsOnPostgres(): Promise<void> {
  const forwarding = readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8");
  const postgres = await startPostgres();
  try {
    const up = await startWrennUp({ dataDir: DATA_DIR, port: PORT, agentPort: AGENT_PORT, pool: POOL, env: { DATABASE_URL: postgres.url } });
    try {
      await measureCreates(up, "cp.create.postgres");
    } finally {
      await up.stop();
      const left = await removeWrennUpData(DATA_DIR, POOL, forwarding);
      console.error(`leftovers: ${JSON.stringify(left)}`);
    }
  } finally {
    await postgres.stop();
  }
}
