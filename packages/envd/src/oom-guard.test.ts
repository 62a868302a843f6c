import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { OomGuard } from "./oom-guard.js";
import { EnvdState } from "./state.js";

const log = { info: () => {}, warn: () => {}, error: () => {} };

describe("OomGuard", () => {
  const proc = mkdtempSync(join(tmpdir(), "wrenn-oom-"));
  afterAll(() => rmSync(proc, { recursive: true, force: true }));

  const meminfo = (totalKb: number, availableKb: number): void =>
    writeFileSync(join(proc, "meminfo"), `MemTotal: ${totalKb} kB\nMemFree: 1 kB\nMemAvailable: ${availableKb} kB\n`);
  const status = (pid: number, name: string, rssKb: number): void => {
    mkdirSync(join(proc, String(pid)), { recursive: true });
    writeFileSync(join(proc, String(pid), "status"), `Name:\t${name}\nPid:\t${pid}\nVmRSS:\t${rssKb} kB\n`);
  };

  it("does nothing without a limit or under it", async () => {
    const state = new EnvdState();
    const guard = new OomGuard({ state, log, procRoot: proc });
    meminfo(1_000_000, 100_000);
    expect(await guard.check()).toBeUndefined();
    state.memoryLimitBytes = 2_000_000 * 1024;
    expect(await guard.check()).toBeUndefined();
  });

  it("kills the largest process (never pid 1 or envd) once usage passes the limit", async () => {
    const hog = spawn("sleep", ["30"]);
    await once(hog, "spawn");
    status(1, "tini", 9_000_000);
    status(process.pid, "node", 8_000_000);
    status(hog.pid!, "hog", 700_000);
    status(4_000_000, "small", 10);
    const state = new EnvdState();
    state.memoryLimitBytes = 512 * 1024 * 1024;
    meminfo(800 * 1024, 100 * 1024); // 700 MiB used > 512 MiB
    const guard = new OomGuard({ state, log, procRoot: proc });
    const exited = once(hog, "exit");
    expect(await guard.check()).toBe(hog.pid);
    const [, signal] = await exited;
    expect(signal).toBe("SIGKILL");
    expect(guard.kills).toBe(1);
  });

  it("kills nobody else while its last victim is still dying", async () => {
    const [victim, bystander] = [spawn("sleep", ["30"]), spawn("sleep", ["30"])];
    await Promise.all([once(victim, "spawn"), once(bystander, "spawn")]);
    try {
      // Only these two in /proc.
      for (const entry of readdirSync(proc)) if (/^\d+$/.test(entry)) rmSync(join(proc, entry), { recursive: true });
      status(victim.pid!, "hog", 700_000);
      status(bystander.pid!, "bash", 5_000);
      const state = new EnvdState();
      state.memoryLimitBytes = 512 * 1024 * 1024;
      meminfo(800 * 1024, 100 * 1024);
      const guard = new OomGuard({ state, log, procRoot: proc });
      expect(await guard.check()).toBe(victim.pid);
      // Usage has not dropped yet and the victim's /proc entry still says it runs.
      status(victim.pid!, "hog", 700_000);
      expect(await guard.check()).toBeUndefined();
      // Once it is gone (here: its entry says zombie), a still-high usage is a new hog's.
      writeFileSync(join(proc, String(victim.pid), "status"), `Name:\thog\nState:\tZ (zombie)\nVmRSS:\t0 kB\n`);
      expect(await guard.check()).toBe(bystander.pid);
      expect(guard.kills).toBe(2);
    } finally {
      victim.kill("SIGKILL");
      bystander.kill("SIGKILL");
    }
  });

  it("polls fast as soon as a process starts, not at the end of an idle wait", async () => {
    for (const entry of readdirSync(proc)) if (/^\d+$/.test(entry)) rmSync(join(proc, entry), { recursive: true });
    const state = new EnvdState();
    state.memoryLimitBytes = 512 * 1024 * 1024;
    meminfo(800 * 1024, 700 * 1024); // 100 MiB used: idle polls are a second apart
    let active = false;
    const guard = new OomGuard({ state, log, procRoot: proc, active: () => active });
    guard.start();
    try {
      await new Promise((r) => setTimeout(r, 50));
      const hog = spawn("sleep", ["30"]);
      await once(hog, "spawn");
      status(hog.pid!, "hog", 700_000);
      meminfo(800 * 1024, 100 * 1024);
      active = true;
      const started = Date.now();
      const exited = once(hog, "exit");
      state.events.emit("process");
      await exited;
      expect(Date.now() - started).toBeLessThan(600);
    } finally {
      guard.stop();
    }
  });

  it("stays quiet while a snapshot is being prepared", async () => {
    const state = new EnvdState();
    state.memoryLimitBytes = 1;
    state.quiesced = true;
    meminfo(800 * 1024, 100 * 1024);
    expect(await new OomGuard({ state, log, procRoot: proc }).check()).toBeUndefined();
  });
});
