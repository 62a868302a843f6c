import { readFile, writeFile } from "node:fs/promises";
import { runCommand } from "../util/command.js";

/** Names the network module uses on the host; a test can pick its own to stay apart. */
export interface NetNames {
  /** iptables chain prefix, e.g. "WRENN". */
  chain: string;
  /** Host-side veth prefix; `<prefix><slot>h`. Reserved for capsules: the rules match `<prefix>+`. */
  veth: string;
  /** Network namespace prefix; `<prefix><capsuleId>-g<generation>`. */
  netns: string;
}

export const defaultNames: NetNames = { chain: "WRENN", veth: "wr", netns: "wrenn-" };

/** Applies rules with one `iptables-restore --noflush` call (much faster than one call per rule). */
export async function iptablesRestore(rules: string): Promise<void> {
  await runCommand("iptables-restore", ["--noflush", "-w", "5"], { input: rules });
}

export async function iptablesSave(): Promise<string> {
  return (await runCommand("iptables-save", [])).stdout;
}

/**
 * The host-wide chains every capsule relies on (docs/runtime-notes.md §4):
 * capsule ↔ capsule dropped, capsule → any host address dropped (replies excepted),
 * egress through a per-capsule policy chain, MASQUERADE for traffic leaving the pool.
 * Idempotent: safe to run again over an existing setup from a previous agent.
 */
export async function ensureGlobalRules(names: NetNames, pool: string): Promise<void> {
  const c = names.chain;
  const v = `${names.veth}+`;
  const existing = await iptablesSave();
  if (existing.includes(`:${c}-FWD `) && existing.includes(`-j ${c}-FWD`)) return;
  await removeGlobalRules(names);
  await iptablesRestore(
    [
      "*filter",
      `:${c}-FWD - [0:0]`,
      `:${c}-EGRESS - [0:0]`,
      `:${c}-IN - [0:0]`,
      `-I FORWARD 1 -j ${c}-FWD`,
      `-I INPUT 1 -j ${c}-IN`,
      `-A ${c}-FWD -i ${v} -o ${v} -j DROP`,
      `-A ${c}-FWD -o ${v} -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT`,
      `-A ${c}-FWD -i ${v} -d ${pool} -j DROP`,
      `-A ${c}-FWD -i ${v} -j ${c}-EGRESS`,
      `-A ${c}-FWD -i ${v} -j ACCEPT`,
      `-A ${c}-IN -i ${v} -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT`,
      `-A ${c}-IN -i ${v} -j DROP`,
      "COMMIT",
      "*nat",
      `:${c}-NAT - [0:0]`,
      `-I POSTROUTING 1 -j ${c}-NAT`,
      `-A ${c}-NAT -s ${pool} ! -d ${pool} -j MASQUERADE`,
      "COMMIT",
      "",
    ].join("\n"),
  );
}

/** Removes the global chains and their jumps (only when no capsule needs them any more). */
export async function removeGlobalRules(names: NetNames): Promise<void> {
  const c = names.chain;
  const del = (table: string, args: string[]) => runCommand("iptables", ["-w", "5", "-t", table, ...args]).catch(() => {});
  while ((await iptablesSave()).includes(`-A FORWARD -j ${c}-FWD`)) await del("filter", ["-D", "FORWARD", "-j", `${c}-FWD`]);
  while ((await iptablesSave()).includes(`-A INPUT -j ${c}-IN`)) await del("filter", ["-D", "INPUT", "-j", `${c}-IN`]);
  await del("nat", ["-D", "POSTROUTING", "-j", `${c}-NAT`]);
  for (const chain of [`${c}-FWD`, `${c}-EGRESS`, `${c}-IN`]) {
    await del("filter", ["-F", chain]);
    await del("filter", ["-X", chain]);
  }
  await del("nat", ["-F", `${c}-NAT`]);
  await del("nat", ["-X", `${c}-NAT`]);
}

/** Turns IPv4 forwarding on; returns the previous value so shutdown can restore it. */
export async function enableForwarding(): Promise<string> {
  const path = "/proc/sys/net/ipv4/ip_forward";
  const previous = (await readFile(path, "utf8")).trim();
  if (previous !== "1") await writeFile(path, "1");
  return previous;
}

export async function restoreForwarding(previous: string): Promise<void> {
  await writeFile("/proc/sys/net/ipv4/ip_forward", previous);
}
