import { runCommand } from "../util/command.js";
import type { NetNames } from "./firewall.js";
import type { Slot } from "./slots.js";

/**
 * One capsule's namespace and veth pair: the capsule end is `eth0` inside the namespace
 * with the slot's .2 address and a default route via the host end (.1). Four `ip` calls.
 * gVisor's netstack takes the address off eth0 when a sandbox starts, so every boot and
 * every restore gets a freshly made namespace.
 */
export async function makeNetns(netns: string, veth: string, slot: Slot): Promise<void> {
  await runCommand("ip", ["netns", "add", netns]);
  try {
    await runCommand("ip", ["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", netns]);
    await runCommand("ip", ["-n", netns, "-batch", "-"], {
      input: [
        `addr add ${slot.capsuleIp}/${slot.prefix} dev eth0`,
        "link set lo up",
        "link set eth0 up",
        `route add default via ${slot.hostIp}`,
        "",
      ].join("\n"),
    });
    await runCommand("ip", ["-batch", "-"], { input: `addr add ${slot.hostIp}/${slot.prefix} dev ${veth}\nlink set ${veth} up\n` });
  } catch (err) {
    await removeNetns(netns, veth);
    throw err;
  }
}

/** Deleting the namespace also deletes the veth pair; the explicit delete covers a half-made pair. */
export async function removeNetns(netns: string, veth: string): Promise<void> {
  await runCommand("ip", ["netns", "del", netns]).catch(() => {});
  await runCommand("ip", ["link", "del", veth]).catch(() => {});
}

export function netnsName(names: NetNames, capsuleId: string, generation: number): string {
  return `${names.netns}${capsuleId}-g${generation}`;
}

export function vethName(names: NetNames, slot: number): string {
  return `${names.veth}${slot}h`;
}
