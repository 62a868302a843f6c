#!/usr/bin/env node
import { Command, InvalidArgumentError } from "commander";
import { WRENN_VERSION } from "@wrenn/core";
import { up } from "./commands/up.js";
import { runAgent, runControlPlane } from "./commands/split.js";
import { registerClientCommands } from "./commands/index.js";

function portOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("must be a port number from 0 to 65535");
  return n;
}

const program = new Command();
program
  .name("wrenn")
  .description("Wrenn: secure sandboxes for AI")
  .version(WRENN_VERSION)
  .option("--api-url <url>", "Wrenn API URL (default: WRENN_API_URL, `wrenn login`, `wrenn up`'s credentials, http://127.0.0.1:9725)")
  .option("--api-key <key>", "API key (default: WRENN_API_KEY, `wrenn login`, `wrenn up`'s credentials)")
  .option("--json", "print machine-readable JSON on stdout");
await registerClientCommands(program);

program
  .command("up")
  .description("Run Wrenn on this machine: embedded database, host agent and control plane on one port")
  .option("--host <address>", "address to listen on", process.env.WRENN_CP_HOST ?? "127.0.0.1")
  .option("--port <port>", "port for the API and dashboard", portOption, Number(process.env.WRENN_CP_PORT ?? 9725))
  .option("--data-dir <dir>", "where Wrenn keeps its database, images and capsules", process.env.WRENN_DATA_DIR ?? "/var/lib/wrenn")
  .option("--database-url <url>", "use PostgreSQL instead of the embedded database", process.env.DATABASE_URL)
  .option("--agent-port <port>", "loopback port of the in-process host agent", portOption, Number(process.env.WRENN_AGENT_PORT ?? 9726))
  .option("--log-level <level>", "log level (logs go to stderr)", process.env.WRENN_LOG_LEVEL ?? "warn")
  .addHelpText("after", "\nExamples:\n  sudo wrenn up\n  sudo wrenn up --port 8080 --data-dir /srv/wrenn\n  sudo wrenn up --database-url postgres://wrenn@db/wrenn")
  .action(async (opts: { host: string; port: number; dataDir: string; databaseUrl?: string; agentPort: number; logLevel: string }) => {
    await up(opts);
  });

program
  .command("cp")
  .description("Run the control plane only (split mode). Configured by environment variables: see the README")
  .addHelpText("after", "\nExample:\n  DATABASE_URL=postgres://wrenn@db/wrenn WRENN_AGENT_URL=http://10.0.0.5:9726 wrenn cp")
  .action(async () => {
    await runControlPlane();
  });

program
  .command("agent")
  .description("Run a host agent only (split mode), as root")
  .option("--port <port>", "port to listen on (default 9726)")
  .option("--host <address>", "address to listen on (default 127.0.0.1)")
  .option("--data-dir <dir>", "where the agent keeps images and capsules (default /var/lib/wrenn)")
  .option("--register <token>", "join a control plane with a one-time registration token (POST /v1/hosts, or the dashboard's Hosts page)")
  .option("--address <ip:port>", "with --register: where the control plane reaches this agent (it listens there, over mTLS)")
  .option("--control-plane <url>", "with --register: the control plane's URL (or WRENN_CONTROL_PLANE_URL)")
  .addHelpText(
    "after",
    "\nExamples:\n  sudo wrenn agent --register wrh_… --address 10.0.0.5:9726 --control-plane https://wrenn.example.com\n  sudo wrenn agent                      # later starts: the stored credentials are used\n  sudo wrenn agent --host 0.0.0.0 --port 9726 --data-dir /srv/wrenn   # a static agent (WRENN_AGENT_URL), trusted network only",
  )
  .action(async (opts: { port?: string; host?: string; dataDir?: string; register?: string; address?: string; controlPlane?: string }) => {
    const args = [
      ...(opts.port ? ["--port", opts.port] : []),
      ...(opts.host ? ["--host", opts.host] : []),
      ...(opts.dataDir ? ["--data-dir", opts.dataDir] : []),
      ...(opts.register ? ["--register", opts.register] : []),
      ...(opts.address ? ["--address", opts.address] : []),
      ...(opts.controlPlane ? ["--control-plane", opts.controlPlane] : []),
    ];
    await runAgent(args);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`wrenn: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
