import type { CapsuleBundle } from "../runtime.js";

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
 * network namespace is the capsule's own; limits go to the cgroup `/wrenn/<id>`.
 */
export function buildSpec(bundle: CapsuleBundle): object {
  const cpuPeriod = 100_000;
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
        cpu: { quota: bundle.vcpus * cpuPeriod, period: cpuPeriod },
        pids: { limit: bundle.pidsLimit },
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
