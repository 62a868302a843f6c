import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

export interface HostResources {
  netns: string[];
  veths: string[];
  /** iptables-save lines that mention per-capsule egress chains. */
  rules: number;
  mounts: string[];
  /** runsc processes whose command line names the data directory. */
  runscProcesses: number;
}

function lines(cmd: string, args: string[]): string[] {
  try {
    return execFileSync(cmd, args, { encoding: "utf8" }).split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

/** What capsules leave on a host, for before/after leak checks. */
export function hostResources(dataDir: string, chainPrefix = "WRENN-EG-"): HostResources {
  const netns = lines("ip", ["netns", "list"]).map((l) => l.split(" ")[0]!).filter((n) => n.startsWith("wrenn-cl-"));
  const veths = lines("ip", ["-o", "link", "show"])
    .map((l) => l.split(":")[1]?.trim().split("@")[0] ?? "")
    .filter((n) => /^wr\d+h$/.test(n));
  const rules = lines("iptables-save", []).filter((l) => l.includes(chainPrefix)).length;
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1] ?? "")
    .filter((m) => m.startsWith(`${dataDir}/`));
  let runscProcesses = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "latin1");
      if (cmdline.includes("runsc") && cmdline.includes(dataDir)) runscProcesses++;
    } catch {
      // Gone.
    }
  }
  return { netns, veths, rules, mounts, runscProcesses };
}
