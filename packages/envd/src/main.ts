import { createEnvd } from "./envd.js";
import { parseConfig } from "./config.js";
import { createLogger } from "./log.js";

const log = createLogger();
let config;
try {
  config = parseConfig(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}

const envd = createEnvd(config, log);
const port = await envd.listen();
// The line tests and the host agent wait for; keep its shape stable.
log.info("envd listening", { port, host: config.host, dev: config.dev, pid: process.pid, uptime_ms: Math.round(performance.now()) });

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    void envd.close().finally(() => process.exit(0));
  });
}
