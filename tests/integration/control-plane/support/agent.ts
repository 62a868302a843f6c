import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { NetworkManager } from "@wrenn/host-agent/network";
import { hostResources, startAgentProcess, type RunningAgent } from "@wrenn/testkit";

export interface TestAgent extends RunningAgent {
  /** Destroys what is left, stops the agent, removes its networks; returns leftover host resources. */
  shutdown(): Promise<ReturnType<typeof hostResources>>;
}

/**
 * A real host agent for control-plane tests, with its own data directory and address
 * pool so several test files can run side by side without touching each other's capsules.
 */
export async function startTestAgent(name: string, pool: string): Promise<TestAgent> {
  const dataDir = `/var/tmp/wrenn-test-cp-${name}`;
  const forwarding = readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8");
  rmSync(dataDir, { recursive: true, force: true });
  const agent = await startAgentProcess({ dataDir, env: { WRENN_NETWORK_POOL: pool, WRENN_REAP_INTERVAL_MS: "500" } });
  return Object.assign(agent, {
    async shutdown() {
      try {
        const { capsules } = await agent.client.listCapsules({});
        await Promise.allSettled(capsules.map((c) => agent.client.destroyCapsule({ capsuleId: c.capsuleId })));
      } finally {
        await agent.stop();
      }
      const left = hostResources(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
      await new NetworkManager({ pool }).shutdown();
      writeFileSync("/proc/sys/net/ipv4/ip_forward", forwarding);
      return left;
    },
  });
}
