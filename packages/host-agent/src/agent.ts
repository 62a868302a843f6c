import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { TemplateBuilder } from "./builds/builder.js";
import { CapsuleManager } from "./capsules/manager.js";
import type { ImageSource } from "./capsules/deps.js";
import type { Logger } from "./capsules/internals.js";
import type { AgentConfig } from "./config.js";
import { ImageStore, renderProgress } from "./images/index.js";
import { AgentMetrics } from "./metrics/prometheus.js";
import { MetricsSampler } from "./metrics/sampler.js";
import { NetworkManager } from "./network/index.js";
import { GvisorRuntime } from "./runtime/gvisor/gvisor-runtime.js";
import { choosePlatform } from "./runtime/gvisor/platform.js";
import { createAgentServer, type AgentServer } from "./server.js";

export interface Agent {
  manager: CapsuleManager;
  server: AgentServer;
  port: number;
  /**
   * Stops serving; capsules keep running (the next agent re-adopts them). Builds are
   * canceled and warm pools drained: the agent's own capsules do not outlive it.
   */
  stop(): Promise<void>;
}

/**
 * Wires the host agent: images → runtime (platform measured once) → network → capsule
 * manager (re-adopts capsules of a previous run) → metrics sampler → RPC server.
 */
export async function startAgent(config: AgentConfig, log: Logger, options: { progress?: boolean } = {}): Promise<Agent> {
  await mkdir(config.wrennDir, { recursive: true, mode: 0o700 });
  const images = new ImageStore({ wrennDir: config.wrennDir, mirror: config.debianMirror, envdBundle: config.envdBundle, log });
  for (const name of config.prebuild) {
    const render = options.progress ? renderProgress() : undefined;
    try {
      await images.ensureImage(name, { onProgress: render });
    } finally {
      render?.done();
    }
  }
  const opt = await images.ensureOptLayer();
  const minimal = await images.ensureImage("minimal");
  const platform = await choosePlatform({ runsc: config.runsc, rootfs: minimal.rootfs, cacheDir: join(config.wrennDir, "runtime"), forced: config.platform });
  log.info("gVisor platform chosen", { ...platform });
  const runtime = new GvisorRuntime({ binary: config.runsc, root: join(config.wrennDir, "runsc"), platform: platform.platform });

  const network = new NetworkManager({
    pool: config.networkPool,
    chainPrefix: config.chainPrefix,
    vethPrefix: config.vethPrefix,
    log,
    agentPorts: config.port > 0 ? [config.port] : [],
  });
  await network.init();

  const imageSource: ImageSource = {
    ensureImage: async (name, signal) => {
      const image = await images.ensureImage(name, { signal });
      return { rootfs: image.rootfs, contentHash: image.contentHash };
    },
    ensureOptLayer: async () => ({ dir: opt.dir, hash: opt.hash }),
    isBuiltin: (name) => images.isBuiltin(name),
    list: async () => (await images.list()).map((i) => ({ name: i.name, contentHash: i.contentHash, createdAt: i.createdAt, sizeBytes: i.sizeBytes })),
  };

  const metrics = new AgentMetrics({ capsuleStatuses: () => manager.statusCounts() });
  const manager: CapsuleManager = new CapsuleManager({
    wrennDir: config.wrennDir,
    runtime,
    images: imageSource,
    network,
    // The sampler is made from the manager just below; these run only later.
    metrics: { get: (id, tier) => sampler.get(id, tier), flush: (id) => sampler.flush(id), drop: (id) => sampler.drop(id) },
    log,
    observe: metrics.observeOperation,
    defaultUser: "user",
    keepSpareHostname: config.keepSpareHostname,
  });
  const sampler = new MetricsSampler(manager);
  await manager.start({ reapIntervalMs: config.reapIntervalMs, warmPools: config.warmPools });
  sampler.start();
  const builder = new TemplateBuilder(manager, { wrennDir: config.wrennDir, log });
  await builder.start();

  const server = createAgentServer({ capsules: manager, metrics, builds: builder, pools: manager });
  const port = await server.listen(config.port, config.host);
  return {
    manager,
    server,
    port,
    async stop() {
      sampler.stop();
      await builder.stop();
      await manager.shutdown();
      await server.close();
      // Capsules keep running; only the warm pool of spare namespaces goes.
      await network.shutdown({ removeGlobal: false });
    },
  };
}
