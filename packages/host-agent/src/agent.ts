import { mkdir } from "node:fs/promises";
import { heartbeatStatsOf } from "@wrenn/core";
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
import { hostSpecs, register } from "./fleet/control-plane-client.js";
import { credentialsPath, loadCredentials, saveCredentials } from "./fleet/credentials.js";
import { startHeartbeats, type HeartbeatLoop } from "./fleet/heartbeats.js";

/** How often image versions and /opt/wrenn layers nothing uses any more are removed (also at start). */
const LAYER_GC_INTERVAL_MS = 10 * 60_000;

export interface Agent {
  manager: CapsuleManager;
  server: AgentServer;
  port: number;
  /** The address it listens on. */
  host: string;
  /** Set when the agent belongs to a fleet (registered with a control plane). */
  hostId: string | undefined;
  /** Heartbeats to the control plane (registered agents only). */
  heartbeats: HeartbeatLoop | undefined;
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
export async function startAgent(
  config: AgentConfig,
  log: Logger,
  options: {
    progress?: boolean;
    /** The control plane deleted this host (its credentials are already forgotten): stop the process. */
    onDeleted?: () => void;
  } = {},
): Promise<Agent> {
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
  // Image versions and /opt/wrenn layers left by upgrades go once nothing uses them.
  const collectLayers = async (): Promise<void> => {
    try {
      const removed = await images.removeUnused(await manager.layersInUse(), opt.dir);
      if (removed.length) log.info("removed image versions no capsule or snapshot uses", { removed });
    } catch (err) {
      log.warn("could not remove unused image versions", { error: (err as Error).message });
    }
  };
  await collectLayers();
  const layerCollector = setInterval(() => void collectLayers(), LAYER_GC_INTERVAL_MS);
  layerCollector.unref();
  const builder = new TemplateBuilder(manager, { wrennDir: config.wrennDir, log });
  await builder.start();

  // A fleet member: registers once (token → credentials under <data-dir>/host/), then serves mTLS.
  let credentials = await loadCredentials(config.wrennDir);
  if (config.registrationToken) {
    if (credentials) throw new Error(`this agent is already registered as host ${credentials.host_id}; remove ${credentialsPath(config.wrennDir)} to register again`);
    const specs = await hostSpecs(config.wrennDir, config.offer);
    credentials = await register(config.controlPlaneUrl!, config.registrationToken, config.address!, specs);
    await saveCredentials(config.wrennDir, credentials);
    log.info("registered with the control plane", { hostId: credentials.host_id, controlPlane: credentials.control_plane_url, address: credentials.address, ...specs });
  }
  const tls = credentials ? { certPem: credentials.cert_pem, keyPem: credentials.key_pem, caCertPem: credentials.ca_cert_pem } : undefined;
  const server = createAgentServer({ capsules: manager, metrics, builds: builder, pools: manager, ...(tls ? { tls } : {}) });
  const [listenHost, listenPort] = credentials && !config.listenExplicit ? splitAddress(credentials.address) : [config.host, config.port];
  const port = await server.listen(listenPort, listenHost);
  const heartbeats = credentials
    ? startHeartbeats({
        wrennDir: config.wrennDir,
        credentials,
        intervalMs: config.heartbeatIntervalSec * 1000,
        stats: async () => ({ ...heartbeatStatsOf(await manager.hostStats()) }),
        onCertificate: (next) => server.updateTls({ certPem: next.cert_pem, keyPem: next.key_pem, caCertPem: next.ca_cert_pem }),
        // A deleted host's capsules are nobody's: destroy them (the control plane tried
        // too, but may not have reached this agent), then ask to be stopped.
        onDeleted: () => {
          void manager
            .terminate(false)
            .catch((err: unknown) => log.error("could not destroy every capsule of this deleted host", { error: (err as Error).message }))
            .finally(() => options.onDeleted?.());
        },
        log,
      })
    : undefined;
  void heartbeats?.beat();
  return {
    manager,
    server,
    port,
    host: listenHost,
    hostId: credentials?.host_id,
    heartbeats,
    async stop() {
      clearInterval(layerCollector);
      await heartbeats?.stop();
      sampler.stop();
      await builder.stop();
      await manager.shutdown();
      await server.close();
      // Capsules keep running; only the warm pool of spare namespaces goes.
      await network.shutdown({ removeGlobal: false });
    },
  };
}

/** `10.0.0.5:9726` → ["10.0.0.5", 9726]; `[fd00::1]:9726` → ["fd00::1", 9726]. */
function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(":");
  return [address.slice(0, at).replace(/^\[(.*)\]$/, "$1"), Number(address.slice(at + 1))];
}
