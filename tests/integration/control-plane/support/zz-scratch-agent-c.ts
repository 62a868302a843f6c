// TEMPORARY (helper C's local verification): startTestAgent with its own network prefixes.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { NetworkManager } from "@wrenn/host-agent/network";
import { hostResources, startAgentProcess } from "@wrenn/testkit";
import type { TestAgent } from "./agent.js";

const prefixes: Record<string, [string, string]> = { "cp-capsules": ["WRCCAP", "cca"], "cp-files": ["WRCFIL", "ccf"], "cp-exec": ["WRCEXE", "cce"] };

export async function startTestAgent(name: string, pool: string): Promise<TestAgent> {
  const [chainPrefix, vethPrefix] = prefixes[name]!;
  const dataDir = `/var/tmp/wrenn-test-cp-${name}`;
  const forwarding = readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8");
  rmSync(dataDir, { recursive: true, force: true });
  const agent = await startAgentProcess({ dataDir, env: { WRENN_NETWORK_POOL: pool, WRENN_REAP_INTERVAL_MS: "500", WRENN_CHAIN_PREFIX: chainPrefix, WRENN_VETH_PREFIX: vethPrefix } });
  return Object.assign(agent, {
    async shutdown() {
      try {
        const { capsules } = await agent.client.listCapsules({});
        await Promise.allSettled(capsules.map((c) => agent.client.destroyCapsule({ capsuleId: c.capsuleId })));
      } finally {
        await agent.stop();
      }
      const left = hostResources(dataDir, `${chainPrefix}-EG-`);
      rmSync(dataDir, { recursive: true, force: true });
      await new NetworkManager({ pool, chainPrefix, vethPrefix }).shutdown();
      writeFileSync("/proc/sys/net/ipv4/ip_forward", forwarding);
      return left;
    },
  });
}
