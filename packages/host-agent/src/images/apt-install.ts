import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ImageRecipe } from "./recipes.js";
import type { BuildLog } from "./build-log.js";
import { runInChroot } from "./chroot.js";
import { writeRootfsFile } from "./configure.js";

export interface AptStep {
  message: string;
  /** Progress of download plus install, 0–100. */
  pct?: number;
}

export interface AptInstallOptions {
  recipe: ImageRecipe;
  rootfs: string;
  mirror: string;
  log: BuildLog;
  signal: AbortSignal;
  onStep: (step: AptStep) => void;
}

/** Build-only apt configuration, inside the chroot; removed afterwards. */
const BUILD_DIR = "var/lib/wrenn-build";

/**
 * Installs the recipe's packages into a copy of its base image with `apt-get` in a
 * chroot, from the build mirror and the same suite as the base, without recommends
 * (debootstrap installs none either). Progress comes from apt's machine-readable status
 * lines (`APT::Status-Fd`), which stay out of the log.
 */
export async function aptInstall(o: AptInstallOptions): Promise<void> {
  const build = join(o.rootfs, BUILD_DIR);
  await mkdir(join(build, "sources.list.d"), { recursive: true });
  await writeRootfsFile(o.rootfs, `${BUILD_DIR}/sources.list`, `deb ${o.mirror} ${o.recipe.suite} main\n`, 0o644);
  // The chroot shares the host's network namespace, so it resolves names like the host.
  await writeRootfsFile(o.rootfs, "etc/resolv.conf", await readFile("/etc/resolv.conf", "utf8"), 0o644);
  // Maintainer scripts must not start services in the build chroot.
  await writeRootfsFile(o.rootfs, "usr/sbin/policy-rc.d", "#!/bin/sh\nexit 101\n", 0o755);
  const apt = [
    "apt-get",
    "-q",
    "-o", `Dir::Etc::SourceList=/${BUILD_DIR}/sources.list`,
    "-o", `Dir::Etc::SourceParts=/${BUILD_DIR}/sources.list.d`,
    "-o", "Acquire::Retries=3",
    "-o", "APT::Status-Fd=1",
    "-o", "Dpkg::Use-Pty=0",
  ];
  // `update` reports download status too; only `install`'s is shown as progress.
  const onLine = (showStatus: boolean) => (line: string): void => {
    const status = /^(dlstatus|pmstatus):[^:]*:([\d.]+):(.*)$/.exec(line);
    if (!status) return o.log.line(line);
    if (!showStatus) return;
    const [, kind, pct, message] = status;
    const share = kind === "dlstatus" ? 5 + (25 * Number(pct)) / 100 : 30 + (70 * Number(pct)) / 100;
    o.onStep({ message: message!.toLowerCase(), pct: Math.min(99, Math.round(share)) });
  };
  const chrootOptions = { log: o.log, signal: o.signal, proc: true };
  try {
    o.onStep({ message: "updating package lists", pct: 1 });
    await runInChroot(o.rootfs, [...apt, "update"], { ...chrootOptions, onLine: onLine(false) });
    o.onStep({ message: `installing ${o.recipe.packages.join(", ")}`, pct: 5 });
    await runInChroot(o.rootfs, [...apt, "install", "-y", "--no-install-recommends", ...o.recipe.packages], { ...chrootOptions, onLine: onLine(true) });
  } finally {
    await rm(build, { recursive: true, force: true });
    await rm(join(o.rootfs, "usr/sbin/policy-rc.d"), { force: true });
  }
}
