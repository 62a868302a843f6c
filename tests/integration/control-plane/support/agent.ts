import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { expect } from "vitest";
import { destroyAllAndStop, destroyLeftovers, ownNetwork, startAgentProcess, type HostResources, type RunningAgent } from "@wrenn/testkit";

export interface TestAgent extends RunningAgent {
  /** Destroys what is left, stops the agent, removes its networks; returns leftover host resources. */
  shutdown(): Promise<HostResources>;
}

/** Chain and veth prefixes per test agent: distinct, and none a prefix of another or of the default `wr`. */
const prefixes: Record<string, { chainPrefix: string; vethPrefix: string }> = {
  "cp-capsules": { chainPrefix: "TCPCAPS", vethPrefix: "qa" },
  "cp-exec": { chainPrefix: "TCPEXEC", vethPrefix: "qb" },
  "cp-files": { chainPrefix: "TCPFILES", vethPrefix: "qc" },
  "cp-ws": { chainPrefix: "TCPWS", vethPrefix: "qd" },
  "cp-ports": { chainPrefix: "TCPPORTS", vethPrefix: "qe" },
  "cp-builds": { chainPrefix: "TCPBUILD", vethPrefix: "qf" },
};

/**
 * A real host agent for control-plane tests, with its own data directory, address pool
 * and network names, so several test files can run side by side without touching each
 * other's capsules (an agent removes other-looking capsule networks as debris).
 */
export async function startTestAgent(name: string, pool: string): Promise<TestAgent> {
  const names = prefixes[name];
  if (!names) throw new Error(`add network prefixes for test agent "${name}" in support/agent.ts`);
  const network = ownNetwork({ pool, ...names });
  const dataDir = `/var/tmp/wrenn-test-cp-${name}`;
  const forwarding = readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8");
  await destroyLeftovers(dataDir, network.env);
  rmSync(dataDir, { recursive: true, force: true });
  const agent = await startAgentProcess({ dataDir, env: { ...network.env, WRENN_REAP_INTERVAL_MS: "500" } });
  return Object.assign(agent, {
    async shutdown() {
      await destroyAllAndStop(agent);
      const left = network.leftovers(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
      await network.remove();
      writeFileSync("/proc/sys/net/ipv4/ip_forward", forwarding);
      return left;
    },
  });
}

/**
 * The leak check of a test file: namespaces, veths and rules are host-wide and other files
 * run capsules in parallel, so only this file's capsules are judged there; mounts and runsc
 * processes are per data directory.
 */
export function expectNoLeftovers(left: HostResources | undefined, created: Set<string>): void {
  if (left) expect({ ...left, netns: left.netns.filter((n) => [...created].some((id) => n.includes(id))), veths: [], rules: 0 }).toEqual({ netns: [], veths: [], rules: 0, mounts: [], runscProcesses: 0 });
}
