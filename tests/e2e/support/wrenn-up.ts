import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { destroyLeftovers, linkSharedImages, ownNetwork, type HostResources } from "@wrenn/testkit";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const networkMarker = (dataDir: string): string => `${dataDir}/test-network.json`;

export interface WrennUp {
  url: string;
  apiKey: string;
  email: string;
  password: string;
  dataDir: string;
  child: ChildProcess;
  /** stdout + stderr lines so far. */
  output: string[];
  /** SIGTERM and wait (capsules get paused). */
  stop(): Promise<number | null>;
}

/**
 * Runs `wrenn up` as the README does (the built CLI, `node packages/cli/dist/main.js up`)
 * as a child process on its own data directory, ports and address pool. Images come
 * from the shared test cache so they are built once per machine.
 */
export async function startWrennUp(options: { dataDir: string; port: number; agentPort: number; pool: string; env?: NodeJS.ProcessEnv }): Promise<WrennUp> {
  linkSharedImages(`${options.dataDir}/agent`);
  // Network names of its own (unless the caller chose some), remembered for the cleanup.
  const network = {
    chainPrefix: options.env?.WRENN_CHAIN_PREFIX ?? `TUP${options.port}`,
    vethPrefix: options.env?.WRENN_VETH_PREFIX ?? `u${String.fromCharCode(97 + (options.port % 26))}${String.fromCharCode(97 + (Math.floor(options.port / 26) % 26))}`,
  };
  writeFileSync(networkMarker(options.dataDir), JSON.stringify(network));
  const child = spawn(
    process.execPath,
    ["packages/cli/dist/main.js", "up", "--data-dir", options.dataDir, "--port", String(options.port), "--agent-port", String(options.agentPort)],
    {
      cwd: repoRoot,
      env: { ...process.env, WRENN_NETWORK_POOL: options.pool, WRENN_CHAIN_PREFIX: network.chainPrefix, WRENN_VETH_PREFIX: network.vethPrefix, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const output: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on("line", (l) => output.push(l));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const line = output.find((l) => l.startsWith("Wrenn is up at "));
      if (line) {
        clearInterval(timer);
        child.off("exit", onExit);
        resolve(line.slice("Wrenn is up at ".length).trim());
      }
    }, 50);
    const onExit = (code: number | null): void => {
      clearInterval(timer);
      reject(new Error(`wrenn up exited with ${code}:\n${output.slice(-40).join("\n")}`));
    };
    child.once("exit", onExit);
  });
  const creds = JSON.parse(readFileSync(`${options.dataDir}/credentials.json`, "utf8")) as { api_key: string; email: string; password: string };
  return {
    url,
    apiKey: creds.api_key,
    email: creds.email,
    password: creds.password,
    dataDir: options.dataDir,
    child,
    output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const [code] = (await once(child, "exit")) as [number | null];
      return code;
    },
  };
}

/**
 * After the last `wrenn up` on a data directory has stopped: destroys what its agent left
 * (paused capsules stay on disk until destroyed), removes networks and the directory, and
 * returns leftover host resources.
 */
export async function removeWrennUpData(dataDir: string, pool: string, forwarding: string): Promise<HostResources> {
  if (!existsSync(networkMarker(dataDir))) {
    // Never started by startWrennUp: nothing of ours to clean (and never the default names).
    rmSync(dataDir, { recursive: true, force: true });
    return { netns: [], veths: [], rules: 0, mounts: [], runscProcesses: 0 };
  }
  const names = JSON.parse(readFileSync(networkMarker(dataDir), "utf8")) as { chainPrefix: string; vethPrefix: string };
  const network = ownNetwork({ pool, ...names });
  await destroyLeftovers(`${dataDir}/agent`, network.env);
  const left = network.leftovers(`${dataDir}/agent`);
  rmSync(dataDir, { recursive: true, force: true });
  await network.remove();
  writeFileSync("/proc/sys/net/ipv4/ip_forward", forwarding);
  return left;
}
