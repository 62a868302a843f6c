import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Process } from "@wrenn/proto/envd/process";
import { Filesystem } from "@wrenn/proto/envd/filesystem";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

export interface RunningEnvd {
  port: number;
  url: string;
  child: ChildProcess;
  /** Lines envd wrote to stderr so far (its JSON log). */
  logs: string[];
  stop(): Promise<void>;
}

export interface StartEnvdOptions {
  args?: string[];
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string;
  /** Address the tests should use to reach envd (default 127.0.0.1). */
  connectHost?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts a real envd process from source (`--dev`, an ephemeral port unless `--port` is
 * given) and resolves once it is listening. `stop()` kills it and waits for the exit.
 */
export async function startEnvd(options: StartEnvdOptions = {}): Promise<RunningEnvd> {
  const args = options.args ?? [];
  const envdArgs = ["--dev", ...(args.includes("--port") ? [] : ["--port", "0"]), ...args];
  const nodeArgs = ["--conditions=wrenn-source", "--import", "tsx", "packages/envd/src/main.ts", ...envdArgs];
  const [cmd, cmdArgs] = options.netns
    ? ["ip", ["netns", "exec", options.netns, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const child = spawn(cmd, cmdArgs as string[], {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const logs: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stderr! });
    const onExit = (code: number | null): void => reject(new Error(`envd exited with ${code} before listening:\n${logs.join("\n")}`));
    child.once("exit", onExit);
    lines.on("line", (line) => {
      logs.push(line);
      if (line.includes('"envd listening"')) {
        child.off("exit", onExit);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
  });
  const host = options.connectHost ?? "127.0.0.1";
  return {
    port,
    url: `http://${host}:${port}`,
    child,
    logs,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGKILL");
      await once(child, "exit");
    },
  };
}

export interface EnvdClients {
  transport: Transport;
  process: Client<typeof Process>;
  filesystem: Client<typeof Filesystem>;
}

/** Connect clients for one envd, with the access token and user (Basic auth, as E2B sends it). */
export function envdClients(
  url: string,
  options: { accessToken?: string; user?: string; httpVersion?: "1.1" | "2" } = {},
): EnvdClients {
  const auth: Interceptor = (next) => (req) => {
    if (options.accessToken) req.header.set("X-Access-Token", options.accessToken);
    if (options.user) req.header.set("Authorization", `Basic ${Buffer.from(`${options.user}:`).toString("base64")}`);
    return next(req);
  };
  const transport = createConnectTransport({
    baseUrl: url,
    httpVersion: options.httpVersion ?? "1.1",
    interceptors: [auth],
  });
  return { transport, process: createClient(Process, transport), filesystem: createClient(Filesystem, transport) };
}
