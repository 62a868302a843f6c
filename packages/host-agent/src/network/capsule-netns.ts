import { access, readFile } from "node:fs/promises";
import { IpSession, type IpCommand } from "./ip-session.js";
import type { NetNames } from "./names.js";
import type { Slot } from "./slots.js";
import { disableIpv6 } from "./sysctl.js";

/**
 * A namespace with `lo` and `eth0` up and the host end of the veth pair down, without
 * addresses; `helper` is an `ip` session running inside it.
 */
export interface BlankPair {
  netns: string;
  veth: string;
  helper: IpSession;
}

export interface CapsuleNetnsOptions {
  names: NetNames;
  /** Tells this manager's warm pairs from those a previous agent left behind. */
  token: string;
  mtu: number;
}

const optional = (cmd: string): IpCommand => ({ cmd, optional: true });

/**
 * Makes and removes capsule namespaces. Work is split so the slow part can happen ahead
 * of time (warm-pool.ts): `makeBlank` creates a generic pair; `claim` gives it a slot
 * and the capsule's name in about a millisecond, with no process spawn:
 *
 *   - the host end is renamed to `<veth><slot>h` and addressed through the host session;
 *   - the capsule end is addressed through the helper session inside the namespace;
 *   - `ip netns attach <name> <helper pid>` names the namespace after the capsule (bind
 *     mounts cannot be renamed), then the warm name is dropped.
 *
 * The veth peer is moved by PID, not by namespace name: `ip link … netns <name>` leaks an
 * fd to the namespace in a long-lived `ip` process, which would keep every namespace alive.
 */
export class CapsuleNetns {
  private host: Promise<IpSession> | undefined;
  private counter = 0;
  private readonly reaping = new Set<Promise<void>>();

  constructor(private readonly o: CapsuleNetnsOptions) {}

  async makeBlank(): Promise<BlankPair> {
    const { names, token, mtu } = this.o;
    const n = this.counter++;
    const netns = names.poolNetns(token, n);
    const veth = names.poolVeth(token, n);
    const host = await this.session();
    let helper: IpSession | undefined;
    try {
      await host.run([`netns add ${netns}`]);
      helper = await IpSession.open(netns);
      await host.run([`link add ${veth} mtu ${mtu} type veth peer name eth0 mtu ${mtu} netns ${helper.pid}`]);
      await disableIpv6(veth);
      // No IPv6 link-local on the capsule end either: nothing should speak IPv6 here.
      await helper.run(["link set lo up", "link set eth0 addrgenmode none", "link set eth0 up"]);
      return { netns, veth, helper };
    } catch (err) {
      helper?.close();
      await host.run([optional(`link del ${veth}`), optional(`netns del ${netns}`)]).catch(() => {});
      throw err;
    }
  }

  async discardBlank(pair: BlankPair): Promise<void> {
    pair.helper.close();
    const host = await this.session();
    await host.run([optional(`netns del ${pair.netns}`)]);
    await this.removeLinks([pair.veth]);
  }

  /** Turns a blank pair into the capsule's namespace `netnsName` on `slot`; undoes itself on failure. */
  async claim(pair: BlankPair, slot: Slot, netnsName: string): Promise<void> {
    const hostVeth = this.o.names.hostVeth(slot.index);
    const host = await this.session();
    const results = await Promise.allSettled([
      host.run([
        // Anything already carrying these names is debris (the slot and generation are
        // ours); without this, a leftover would make the rename or attach fail.
        optional(`link del ${hostVeth}`),
        optional(`netns del ${netnsName}`),
        `link set ${pair.veth} name ${hostVeth}`,
        `addr add ${slot.hostIp}/${slot.prefix} dev ${hostVeth}`,
        `link set ${hostVeth} up`,
        `netns attach ${netnsName} ${pair.helper.pid}`,
        `netns del ${pair.netns}`,
      ]),
      pair.helper.run([`addr add ${slot.capsuleIp}/${slot.prefix} dev eth0`, `route add default via ${slot.hostIp}`]),
    ]);
    const failed = results.find((r) => r.status === "rejected");
    if (!failed) await waitOperUp([`/sys/class/net/${hostVeth}/operstate`, `/proc/${pair.helper.pid}/root/sys/class/net/eth0/operstate`], 1000);
    pair.helper.close();
    if (failed) {
      await host
        .run([optional(`netns del ${netnsName}`), optional(`netns del ${pair.netns}`), optional(`link del ${hostVeth}`), optional(`link del ${pair.veth}`)])
        .catch(() => {});
      throw failed.reason;
    }
  }

  /**
   * Takes a slot's current pair out of service at once: the host end is renamed so a new
   * pair can take its name and address, and the kernel frees the old pair with its
   * namespace in the background (checked, and forced, later).
   */
  async retire(slot: number, netnsName: string, generation: number): Promise<void> {
    const { names } = this.o;
    const hostVeth = names.hostVeth(slot);
    const dying = names.dyingVeth(slot, generation);
    const host = await this.session();
    await host.run([
      optional(`link set ${hostVeth} down`),
      optional(`addr flush dev ${hostVeth}`),
      optional(`link set ${hostVeth} name ${dying}`),
      optional(`netns del ${netnsName}`),
    ]);
    // The rename can only fail if the name is taken: delete the pair outright then.
    if (await linkExists(hostVeth)) await host.run([`link del ${hostVeth}`]);
    const reap = this.reap([dying], 2000, true).finally(() => this.reaping.delete(reap));
    this.reaping.add(reap);
  }

  /** Removes a namespace and (unless `slot` is undefined) its slot's host veth; waits until both are gone. */
  async remove(slot: number | undefined, netnsName: string): Promise<void> {
    const host = await this.session();
    await host.run([optional(`netns del ${netnsName}`)]);
    if (slot !== undefined) await this.reap([this.o.names.hostVeth(slot)], 500);
  }

  /**
   * Waits for links to vanish (a veth dies with its namespace; the kernel batches that
   * work, which is much cheaper than deleting pairs one by one) and deletes what is left
   * after `graceMs`, for instance when a process still holds the namespace. Background
   * reaping does not keep the process alive.
   */
  async reap(links: string[], graceMs: number, background = false): Promise<void> {
    const deadline = Date.now() + graceMs;
    let left = links;
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((r) => {
        const timer = setTimeout(r, 5);
        if (background) timer.unref();
      });
      left = (await Promise.all(left.map(async (l) => ((await linkExists(l)) ? l : undefined)))).filter((l) => l !== undefined);
    }
    if (left.length > 0) await this.removeLinks(left);
  }

  async removeLinks(links: string[]): Promise<void> {
    if (links.length === 0) return;
    const host = await this.session();
    await host.run(links.map((l) => optional(`link del ${l}`)));
  }

  async removeNetns(netns: string[]): Promise<void> {
    if (netns.length === 0) return;
    const host = await this.session();
    await host.run(netns.map((n) => optional(`netns del ${n}`)));
  }

  /** Waits for background removals of retired pairs. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.reaping]);
  }

  close(): void {
    void this.host?.then((s) => s.close(), () => {});
    this.host = undefined;
  }

  /** The host-side session, restarted if it died. */
  private async session(): Promise<IpSession> {
    const current = this.host;
    if (current) {
      const s = await current.catch(() => undefined);
      if (s?.alive) return s;
      if (this.host !== current) return this.session();
    }
    this.host = IpSession.open();
    this.host.catch(() => {});
    return this.host;
  }
}

/**
 * The kernel activates a veth end's queue when it processes the carrier-on event
 * (asynchronously, in its linkwatch work); until then packets sent on it are dropped, and
 * a capsule's first reply is lost (the peer retries a second later). Operstate changes in
 * the same step, so waiting for it makes a new network usable at once. The capsule end
 * is read through the helper's own /sys, which shows the namespace's devices. Bounded:
 * on a very busy host it gives up quietly and the network still comes up moments later.
 */
async function waitOperUp(paths: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(paths.map((p) => readFile(p, "utf8").catch(() => "")));
    if (states.every((s) => s.trim() === "up") || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 1));
  }
}

export async function linkExists(name: string): Promise<boolean> {
  return access(`/sys/class/net/${name}`).then(
    () => true,
    () => false,
  );
}
