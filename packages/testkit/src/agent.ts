import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, rmSync, symlinkSync, existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { HostAgentService } from "@wrenn/proto/hostagent/v1";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** Built images and /opt/wrenn layers shared by every test agent on this machine. */
export const SHARED_IMAGE_CACHE = process.env.WRENN_TEST_IMAGE_CACHE ?? "/var/tmp/wrenn-test-cache";

/** Points an agent data directory's images/ and runtime/ at the shared cache (built once per machine). */
export function linkSharedImages(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  for (const sub of ["images", "runtime"]) {
    mkdirSync(`${SHARED_IMAGE_CACHE}/${sub}`, { recursive: true });
    if (!existsSync(`${dataDir}/${sub}`)) symlinkSync(`${SHARED_IMAGE_CACHE}/${sub}`, `${dataDir}/${sub}`);
  }
}

export interface RunningAgent {
  port: number;
  url: string;
  dataDir: string;
  child: ChildProcess;
  logs: string[];
  client: Client<typeof HostAgentService>;
  /** SIGTERM and wait: capsules keep running (the agent's own contract). */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
}

/**
 * Starts a real `wrenn-agent` from source as root with its own data directory. Images are
 * shared across test agents (built once, guarded by the image store's lock files).
 */
export async function startAgentProcess(options: {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  port?: number;
  /** Run inside this network namespace (a test "host" with its own address); mounts stay shared. */
  netns?: string;
  /** More arguments, e.g. `--register <token> --address …`; with them `--port` is not passed. */
  args?: string[];
}): Promise<RunningAgent> {
  linkSharedImages(options.dataDir);
  const node = [process.execPath, "--conditions=wrenn-source", "--import", "tsx", "packages/host-agent/src/main.ts", "--data-dir", options.dataDir];
  const args = options.args ?? ["--port", String(options.port ?? 0)];
  const [command, ...rest] = options.netns ? ["nsenter", `--net=/var/run/netns/${options.netns}`, "--", ...node, ...args] : [...node, ...args];
  const child = spawn(command!, rest, { cwd: repoRoot, env: { ...process.env, ...options.env }, stdio: ["ignore", "ignore", "pipe"] });
  const logs: string[] = [];
  let host = "127.0.0.1";
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stderr! });
    const onExit = (code: number | null): void => reject(new Error(`agent exited with ${code} before listening:\n${logs.slice(-30).join("\n")}`));
    child.once("exit", onExit);
    lines.on("line", (line) => {
      logs.push(line);
      if (line.includes('"agent listening"')) {
        child.off("exit", onExit);
        const listening = JSON.parse(line) as { port: number; host?: string };
        if (listening.host && listening.host !== "0.0.0.0") host = listening.host;
        resolve(listening.port);
      }
    });
  });
  const url = `http://${host}:${port}`;
  const transport = createConnectTransport({ baseUrl: url, httpVersion: "2" });
  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await once(child, "exit");
  };
  return {
    port,
    url,
    dataDir: options.dataDir,
    child,
    logs,
    client: createClient(HostAgentService, transport),
    stop: () => stopWith("SIGTERM"),
    kill: () => stopWith("SIGKILL"),
  };
}

/** Destroys every capsule the agent holds, then stops it (SIGTERM), even if destroying fails. */
export async function destroyAllAndStop(agent: RunningAgent): Promise<void> {
  try {
    const { capsules } = await agent.client.listCapsules({});
    await Promise.allSettled(capsules.map((c) => agent.client.destroyCapsule({ capsuleId: c.capsuleId })));
  } finally {
    await agent.stop();
  }
}

/**
 * What a killed earlier run left in an agent data directory (capsules, and their mounts)
 * is destroyed by an agent started on it, so the directory can then be removed safely.
 */
export async function destroyLeftovers(dataDir: string, env: NodeJS.ProcessEnv, where?: { netns: string; host: string }): Promise<void> {
  if (!existsSync(`${dataDir}/capsules`)) return;
  // A registered agent would serve mTLS; the leftovers are destroyed by a plain one.
  rmSync(`${dataDir}/host/credentials.json`, { force: true });
  await destroyAllAndStop(await startAgentProcess({ dataDir, env, ...(where ? { netns: where.netns, args: ["--host", where.host, "--port", "0"] } : {}) }));
}
