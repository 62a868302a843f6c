import { access, readFile, writeFile } from "node:fs/promises";
import { toolFailed } from "./exec.js";

/** Kernel settings written straight to /proc/sys (no process spawn). */

const IP_FORWARD = "/proc/sys/net/ipv4/ip_forward";

export async function readIpForward(): Promise<string> {
  return (await readFile(IP_FORWARD, "utf8")).trim();
}

export async function writeIpForward(value: string): Promise<void> {
  await write(IP_FORWARD, value, `sysctl net.ipv4.ip_forward=${value}`);
}

/**
 * Turns IPv6 off on a host-side veth. Otherwise the host end gets a link-local address
 * and a capsule could reach any host service listening on `::` through it, past the IPv4
 * rules. Hosts without IPv6 need nothing.
 */
export async function disableIpv6(ifname: string): Promise<void> {
  if (!(await ipv6Present())) return;
  await write(`/proc/sys/net/ipv6/conf/${ifname}/disable_ipv6`, "1", `sysctl net.ipv6.conf.${ifname}.disable_ipv6=1`);
}

function ipv6Present(): Promise<boolean> {
  return access("/proc/sys/net/ipv6/conf").then(
    () => true,
    () => false,
  );
}

/** MTU of the interface carrying the default route, so capsule packets never need fragmenting. */
export async function uplinkMtu(): Promise<number> {
  try {
    const routes = (await readFile("/proc/net/route", "utf8")).split("\n").slice(1);
    const uplink = routes.map((l) => l.trim().split(/\s+/)).find((f) => f[1] === "00000000" && f[7] === "00000000")?.[0];
    if (uplink) {
      const mtu = Number((await readFile(`/sys/class/net/${uplink}/mtu`, "utf8")).trim());
      if (Number.isInteger(mtu) && mtu >= 576) return mtu;
    }
  } catch {
    // No default route (or no /proc): fall through to Ethernet's MTU.
  }
  return 1500;
}

async function write(path: string, value: string, command: string): Promise<void> {
  try {
    await writeFile(path, value);
  } catch (err) {
    throw toolFailed(command, (err as Error).message, err);
  }
}
