import { loadConfig, startControlPlane } from "@wrenn/control-plane";
import { parseAgentConfig, startAgent, stderrJsonLogger } from "@wrenn/host-agent";
import { assertPrerequisites } from "../prereqs.js";

/** Resolves once SIGINT or SIGTERM arrives (then runs `stop`). */
function untilSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = (): void => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      void stop().finally(resolve);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

/** `wrenn cp`: the control plane alone (stateless with DATABASE_URL), configured by environment. */
export async function runControlPlane(): Promise<void> {
  const config = loadConfig();
  const cp = await startControlPlane(config);
  process.stdout.write(`wrenn control plane listening on ${cp.url} (database: ${cp.database.kind}, ${config.agentUrl ? `static agent: ${config.agentUrl}` : "agents register with wrenn agent --register"})\n`);
  await untilSignal(() => cp.close());
}

/** `wrenn agent`: the host agent alone; capsules keep running when it stops. */
export async function runAgent(args: string[]): Promise<void> {
  const config = parseAgentConfig(args);
  assertPrerequisites(config.runsc);
  let deleted: () => void = () => {};
  const removed = new Promise<void>((resolve) => (deleted = resolve));
  const agent = await startAgent(config, stderrJsonLogger(), { progress: true, onDeleted: () => deleted() });
  const fleet = agent.hostId ? `, host ${agent.hostId}, mTLS` : "";
  process.stdout.write(`wrenn host agent listening on port ${agent.port} (data: ${config.wrennDir}${fleet})\n`);
  await Promise.race([untilSignal(() => agent.stop()), removed.then(() => agent.stop())]);
}
