// Host agent Exec round trip: Exec(`true`) through the agent's RPC (client → agent over
// HTTP/2 on loopback, agent → envd over HTTP/2), against envd's own Start(`true`) on the
// same kind of connection, in the same run. The agent (over dev capsules: a real envd)
// runs in a child process, as it would apart from the control plane. Rounds alternate
// so load from elsewhere on the machine hits both sides alike.
// Target: agent p50 ≤ 5 ms. Run: node --conditions=wrenn-source --import tsx bench/agent-exec.ts
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { HostAgentService } from "@wrenn/proto/hostagent/v1";
import { EnvdConnection } from "../packages/host-agent/src/envd/connection.js";
import { report, summarize } from "./lib/stats.js";

const ROUND_TRIPS = Number(process.env.BENCH_N ?? 500);
const ROUND = 50;

interface AgentInfo {
  url: string;
  capsuleId: string;
  envdUrl: string;
  token: string;
}

async function serveAgent(): Promise<void> {
  const { startTestAgent } = await import("../tests/integration/host-agent/support/agent.js");
  const agent = await startTestAgent();
  const capsuleId = await agent.newCapsule();
  const envd = agent.capsules.envd(capsuleId);
  process.send!({ url: agent.url, capsuleId, envdUrl: envd.baseUrl, token: envd.accessToken } satisfies AgentInfo);
  process.once("message", () => {
    void agent.close().finally(() => process.exit(0));
  });
}

async function timeRound(samples: number[], n: number, fn: () => Promise<void>): Promise<void> {
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
}

async function main(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ["agent"], { execArgv: process.execArgv });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const info = await new Promise<AgentInfo>((resolve, reject) => {
    child.once("message", (m) => resolve(m as AgentInfo));
    child.once("exit", (code) => reject(new Error(`the agent process exited with ${code}`)));
  });
  const session = new Http2SessionManager(info.url);
  const agent = createClient(HostAgentService, createConnectTransport({ baseUrl: info.url, httpVersion: "2", sessionManager: session }));
  const envd = new EnvdConnection(info.envdUrl, info.token);
  try {
    const viaAgent = async (): Promise<void> => {
      const res = await agent.exec({ capsuleId: info.capsuleId, cmd: "true" });
      if (res.exitCode !== 0) throw new Error(`Exec(true) exited with ${res.exitCode}`);
    };
    const direct = async (): Promise<void> => {
      let ended = false;
      for await (const res of envd.process.start({ process: { cmd: "true" }, stdin: false })) {
        if (res.event?.event.case === "end") ended = true;
      }
      if (!ended) throw new Error("Start(true) finished without an end event");
    };
    const ping = async (): Promise<void> => {
      await agent.pingCapsule({ capsuleId: info.capsuleId });
    };

    const warm: number[] = [];
    for (const fn of [viaAgent, direct, ping]) await timeRound(warm, 20, fn);
    const samples = { agent: [] as number[], envd: [] as number[], ping: [] as number[] };
    for (let done = 0; done < ROUND_TRIPS; done += ROUND) {
      const n = Math.min(ROUND, ROUND_TRIPS - done);
      await timeRound(samples.agent, n, viaAgent);
      await timeRound(samples.envd, n, direct);
      await timeRound(samples.ping, n, ping);
    }
    const agentStats = summarize(samples.agent);
    const envdStats = summarize(samples.envd);
    report({ bench: "envd.start_true.round_trip_h2", unit: "ms", ...envdStats });
    report({ bench: "agent.ping.round_trip", unit: "ms", ...summarize(samples.ping) });
    report({
      bench: "agent.exec_true.round_trip",
      unit: "ms",
      ...agentStats,
      p50_over_envd: Math.round((agentStats.p50 - envdStats.p50) * 1000) / 1000,
      target_p50_ms: 5,
      meets_target: agentStats.p50 <= 5,
    });
  } finally {
    session.abort();
    envd.close();
    child.send("close");
    await exited;
  }
}

if (process.argv[2] === "agent") await serveAgent();
else await main();
