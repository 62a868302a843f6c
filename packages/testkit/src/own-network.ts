import { execFileSync } from "node:child_process";
import { NetworkManager } from "@wrenn/host-agent/network";
import { hostResources, type HostResources } from "./host-resources.js";

function lines(cmd: string, args: string[]): string[] {
  try {
    return execFileSync(cmd, args, { encoding: "utf8" }).split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * A network of its own for a test agent: its own address pool, iptables chain prefix and
 * veth prefix, so test files that run at the same time neither rewrite each other's
 * chains nor see each other's namespaces in their leak checks.
 */
export function ownNetwork(options: { pool: string; chainPrefix: string; vethPrefix: string }) {
  const ns = options.chainPrefix.toLowerCase();
  return {
    env: { WRENN_NETWORK_POOL: options.pool, WRENN_CHAIN_PREFIX: options.chainPrefix, WRENN_VETH_PREFIX: options.vethPrefix },
    /** What this network's capsules left on the host (namespaces, veths, rules, mounts, sandboxes). */
    leftovers(dataDir: string): HostResources {
      const all = hostResources(dataDir, `${options.chainPrefix}-EG-`);
      return {
        ...all,
        netns: lines("ip", ["netns", "list"]).map((l) => l.split(" ")[0]!).filter((n) => n.startsWith(`${ns}-cl-`)),
        veths: lines("ip", ["-o", "link", "show"])
          .map((l) => l.split(":")[1]?.trim().split("@")[0] ?? "")
          .filter((n) => new RegExp(`^${options.vethPrefix}\\d+h$`).test(n)),
      };
    },
    /**
     * Removes the chains the agent leaves for its next start; ip_forward goes back to what
     * it was unless another agent still forwards (NetworkManager.shutdown decides).
     */
    async remove(): Promise<void> {
      await new NetworkManager({ pool: options.pool, chainPrefix: options.chainPrefix, vethPrefix: options.vethPrefix }).shutdown();
    },
  };
}
