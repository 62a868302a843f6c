import { accessSync, constants, existsSync } from "node:fs";
import { delimiter, join } from "node:path";

export interface Prerequisite {
  name: string;
  /** Present and usable? */
  ok: boolean;
  /** One line: how to get it. */
  fix: string;
}

function onPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(delimiter)) {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // next directory
    }
  }
  return false;
}

const apt = (pkg: string): string => `apt-get install -y ${pkg}   (or: bash scripts/install-deps.sh)`;

/** What a host agent needs on this machine, each with the way to fix it. */
export function checkPrerequisites(runsc: string): Prerequisite[] {
  const tools: Array<[string, string]> = [
    ["debootstrap", "debootstrap"],
    ["ip", "iproute2"],
    ["iptables", "iptables"],
    ["unshare", "util-linux"],
    ["mkfs.ext4", "e2fsprogs"],
    ["mount", "mount"],
  ];
  return [
    { name: "root", ok: process.getuid?.() === 0, fix: "run as root (capsules need network namespaces, mounts and cgroups): sudo wrenn up" },
    { name: "Linux", ok: process.platform === "linux", fix: "Wrenn capsules run on Linux hosts only" },
    { name: `gVisor runsc (${runsc})`, ok: existsSync(runsc), fix: "bash scripts/install-runsc.sh   (installs Debian trixie's runsc to /usr/local/bin), or set WRENN_RUNSC" },
    ...tools.map(([cmd, pkg]) => ({ name: cmd, ok: onPath(cmd), fix: apt(pkg) })),
    { name: "cgroups", ok: existsSync("/sys/fs/cgroup/memory") || existsSync("/sys/fs/cgroup/cgroup.controllers"), fix: "mount cgroups (memory controller) — capsule limits need them" },
  ];
}

/** Throws one message listing every missing prerequisite with its fix. */
export function assertPrerequisites(runsc: string): void {
  const missing = checkPrerequisites(runsc).filter((p) => !p.ok);
  if (missing.length === 0) return;
  const lines = missing.map((p) => `  ✗ ${p.name}: ${p.fix}`);
  throw new Error(`missing prerequisites:\n${lines.join("\n")}`);
}
