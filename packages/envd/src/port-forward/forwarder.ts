import { createServer, connect, type Server, type Socket } from "node:net";
import { networkInterfaces } from "node:os";
import type { Logger } from "../log.js";
import { loopbackOnlyPorts, readListenSockets, type ListenSocket } from "./scan.js";

export interface PortForwarderOptions {
  log: Logger;
  intervalMs: number;
  readSockets?: () => Promise<ListenSocket[]>;
  /** Addresses the host can reach the capsule on; by default every non-internal IPv4 one. */
  externalAddresses?: () => string[];
}

/** One listener on an external address relaying to the service on loopback. */
interface Forward {
  address: string;
  port: number;
  target: string;
  server: Server;
  sockets: Set<Socket>;
}

export function externalIpv4Addresses(): string[] {
  const addresses = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.family === "IPv4" && !info.internal) addresses.add(info.address);
    }
  }
  return [...addresses];
}

const key = (address: string, port: number): string => `${address}:${port}`;

/**
 * Makes services that listen only on loopback inside the capsule reachable from the
 * host: every scan of /proc/net/tcp{,6} opens a listener on each external address at
 * the same port for new loopback-only ports and closes the ones whose service is gone.
 * Connections are relayed in-process; no socat, no iptables.
 */
export class PortForwarder {
  private readonly forwards = new Map<string, Forward>();
  /** Last failure per listener, so a port that stays busy is logged once, not every scan. */
  private readonly failures = new Map<string, string>();
  private readonly readSockets: () => Promise<ListenSocket[]>;
  private readonly externalAddresses: () => string[];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private ownPort: number | undefined;
  private scanning: Promise<void> | undefined;

  constructor(private readonly options: PortForwarderOptions) {
    this.readSockets = options.readSockets ?? (() => readListenSockets());
    this.externalAddresses = options.externalAddresses ?? externalIpv4Addresses;
  }

  /** `ownPort` is envd's own port, which is never forwarded. */
  start(ownPort: number): void {
    if (this.running) return;
    this.running = true;
    this.ownPort = ownPort;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.scanning;
    await Promise.all([...this.forwards.values()].map((f) => this.close(f)));
  }

  /** Ports being forwarded now, as "address:port" (for logs and tests). */
  active(): string[] {
    return [...this.forwards.keys()];
  }

  /** One scan: open forwards for new loopback-only ports, close those whose service left. */
  async scan(): Promise<void> {
    const sockets = await this.readSockets();
    // Our own listeners would make every forwarded port look externally reachable.
    const ports = loopbackOnlyPorts(sockets, new Set(this.forwards.keys())).filter((p) => p.port !== this.ownPort);
    const wanted = new Map<string, { address: string; port: number; target: string }>();
    for (const address of this.externalAddresses()) {
      for (const { port, target } of ports) wanted.set(key(address, port), { address, port, target });
    }
    const closing: Promise<void>[] = [];
    for (const [k, forward] of this.forwards) {
      if (wanted.get(k)?.target !== forward.target) closing.push(this.close(forward));
    }
    await Promise.all(closing);
    for (const k of this.failures.keys()) if (!wanted.has(k)) this.failures.delete(k);
    const opening: Promise<void>[] = [];
    for (const [k, want] of wanted) {
      if (!this.forwards.has(k)) opening.push(this.open(want.address, want.port, want.target));
    }
    await Promise.all(opening);
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.scanning = this.scan()
        .catch((err: unknown) => this.options.log.warn("port scan failed", { error: String(err) }))
        .finally(() => {
          this.scanning = undefined;
          this.schedule(this.options.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  private open(address: string, port: number, target: string): Promise<void> {
    const k = key(address, port);
    const sockets = new Set<Socket>();
    const server = createServer({ allowHalfOpen: true }, (client) => relay(client, target, port, sockets));
    const forward: Forward = { address, port, target, server, sockets };
    this.forwards.set(k, forward);
    return new Promise((resolve) => {
      let listening = false;
      server.on("error", (err: NodeJS.ErrnoException) => {
        const reason = err.code ?? err.message;
        if (listening) {
          // Accept failures (EMFILE…) must not take envd down; the listener stays.
          this.options.log.warn("forwarded port error", { address, port, error: reason });
          return;
        }
        // EADDRINUSE and the like: forget it and try again on the next scan.
        this.forwards.delete(k);
        if (this.failures.get(k) !== reason) {
          this.options.log.warn("cannot forward port; will retry", { address, port, error: reason });
        }
        this.failures.set(k, reason);
        resolve();
      });
      server.listen({ host: address, port }, () => {
        listening = true;
        this.failures.delete(k);
        this.options.log.info("forwarding port", { address, port, target });
        resolve();
      });
    });
  }

  private close(forward: Forward): Promise<void> {
    const k = key(forward.address, forward.port);
    if (this.forwards.get(k) === forward) this.forwards.delete(k);
    for (const socket of forward.sockets) socket.destroy();
    forward.sockets.clear();
    this.options.log.info("stopped forwarding port", { address: forward.address, port: forward.port });
    return new Promise((resolve) => forward.server.close(() => resolve()));
  }
}

/** Pipes one accepted connection to the loopback service, both ways, half-close preserved. */
function relay(client: Socket, target: string, port: number, sockets: Set<Socket>): void {
  const upstream = connect({ host: target, port, allowHalfOpen: true });
  sockets.add(client);
  sockets.add(upstream);
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  const teardown = (): void => {
    client.destroy();
    upstream.destroy();
    sockets.delete(client);
    sockets.delete(upstream);
  };
  client.on("error", teardown).on("close", teardown);
  upstream.on("error", teardown).on("close", teardown);
  client.pipe(upstream);
  upstream.pipe(client);
}
