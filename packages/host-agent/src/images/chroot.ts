import type { BuildLog } from "./build-log.js";
import { runLogged } from "./build-command.js";

const CHROOT_ENV = [
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  "HOME=/root",
  "LC_ALL=C",
  "DEBIAN_FRONTEND=noninteractive",
  "DEBCONF_NONINTERACTIVE_SEEN=true",
];

export interface ChrootOptions {
  log: BuildLog;
  signal: AbortSignal;
  /** Mount /proc inside (apt and maintainer scripts want it); private to the command. */
  proc?: boolean;
  /** Receives each output line instead of the log (the caller logs what it wants). */
  onLine?: (line: string) => void;
}

/**
 * Runs `argv` inside `rootfs` with a clean environment. The command runs in its own
 * mount namespace (see build-command.ts), so /proc is unmounted however it ends.
 */
export async function runInChroot(rootfs: string, argv: string[], o: ChrootOptions): Promise<void> {
  o.log.step(`chroot ${argv.join(" ")}`);
  const chroot = ["chroot", rootfs, "/usr/bin/env", "-i", ...CHROOT_ENV, ...argv];
  const [cmd, args] = o.proc
    ? ["sh", ["-c", 'mount -t proc proc "$1/proc" && exec "$0" "$@"', ...chroot]]
    : [chroot[0]!, chroot.slice(1)];
  await runLogged({ cmd, args, signal: o.signal, ...(o.onLine ? { onLine: o.onLine } : { log: o.log }) });
}
