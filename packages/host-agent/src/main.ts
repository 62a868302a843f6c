import { parseAgentConfig } from "./config.js";
import { startAgent } from "./agent.js";
import { stderrJsonLogger } from "./util/json-logger.js";

const log = stderrJsonLogger();

let config;
try {
  config = parseAgentConfig(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  process.stderr.write("wrenn-agent must run as root: it creates network namespaces, mounts and gVisor sandboxes\n");
  process.exit(2);
}

try {
  const agent = await startAgent(config, log, {
    progress: process.stderr.isTTY,
    onDeleted: () => void agent.stop().finally(() => process.exit(0)),
  });
  // The line tests and supervisors wait for; keep its shape stable.
  log.info("agent listening", { port: agent.port, host: agent.host, dataDir: config.wrennDir, pid: process.pid, ...(agent.hostId ? { hostId: agent.hostId } : {}) });
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      log.info("agent stopping; capsules keep running", { signal });
      void agent.stop().finally(() => process.exit(0));
    });
  }
} catch (err) {
  log.error("agent failed to start", { error: (err as Error).message });
  process.exit(1);
}
