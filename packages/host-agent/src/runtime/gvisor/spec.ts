import type { CapsuleBundle } from "../runtime.js";
import { CPU_PERIOD_US } from "./cgroup.js";

/** Memory the host cgroup allows above the capsule's limit; envd's watchdog acts inside it. */
export const MEMORY_HEADROOM_MB = 256;

const capabilities = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_RAW",
  "CAP_SYS_CHROOT",
  "CAP_MKNOD",
  "CAP_AUDIT_WRITE",
  "CAP_SETFCAP",
];

/**
 * The OCI runtime spec for one capsule. The root filesystem is the capsule's own overlay
 * mount (writable, so `readonly: false`); /opt/wrenn comes from the host read-only; the
 * network namespace is the capsule's own; limits go to the cgroup `/wrenn/<id>`. A cold
 * boot runs only envd, so it starts without the CPU cap (`cpuCap: false`) and the manager
 * caps it before handing it out; a restore resumes user processes at once, so it is capped.
 */
export function buildSpec(bundle: CapsuleBundle, options: { cpuCap: boolean }): object {
  return {
    ociVersion: "1.0.2",
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      cwd: "/",
      args: bundle.args,
      env: bundle.env,
      capabilities: { bounding: capabilities, effective: capabilities, permitted: capabilities },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 1_048_576, soft: 1_048_576 }],
    },
    root: { path: bundle.rootfs, readonly: false },
    hostname: bundle.hostname,
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
      { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"] },
      { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
      { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
      { destination: "/opt/wrenn", type: "bind", source: bundle.optDir, options: ["rbind", "ro"] },
    ],
    linux: {
      cgroupsPath: `/wrenn/${bundle.id}`,
      resources: {
        memory: { limit: (bundle.memoryMb + MEMORY_HEADROOM_MB) * 1024 * 1024 },
        pids: { limit: bundle.pidsLimit },
        ...(options.cpuCap ? { cpu: { quota: Math.round(bundle.vcpus * CPU_PERIOD_US), period: CPU_PERIOD_US } } : {}),
      },
      namespaces: [
        { type: "pid" },
        { type: "ipc" },
        { type: "uts" },
        { type: "mount" },
        { type: "network", path: bundle.netnsPath },
      ],
    },
  };
}
