#!/usr/bin/env node
import { loadConfig } from "./config.js";
import { startControlPlane } from "./server.js";

/** `wrenn-cp`: the control plane alone, configured by environment variables. */
async function main(): Promise<void> {
  const config = loadConfig();
  const cp = await startControlPlane(config);
  cp.app.log.info({ url: cp.url, agent: config.agentUrl ?? null, database: cp.database.kind }, "control plane listening");
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    cp.app.log.info({ signal }, "shutting down");
    cp.close().then(
      () => process.exit(0),
      (err: unknown) => {
        cp.app.log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((err: unknown) => {
  console.error(`wrenn-cp: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
