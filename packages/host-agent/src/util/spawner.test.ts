import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCommand } from "./command.js";
import { SpawnError, Spawner, spawnViaHelper } from "./spawner.js";

const dir = mkdtempSync(join(tmpdir(), "wrenn-spawner-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("spawnViaHelper", () => {
  it("runs commands in a helper process, not in this one", async () => {
    const r = await spawnViaHelper({ cmd: "sh", args: ["-c", "echo $PPID; echo oops >&2; exit 3"] });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe("oops\n");
    const parent = Number(r.stdout.trim());
    expect(parent).toBeGreaterThan(0);
    expect(parent).not.toBe(process.pid);
    // The helper is our child.
    expect(readFileSync(`/proc/${parent}/stat`, "utf8").split(") ")[1]!.split(" ")[1]).toBe(String(process.pid));
  });

  it("passes input, env and cwd, and runs many commands at once", async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => spawnViaHelper({ cmd: "sh", args: ["-c", 'read x; echo "$x $WHO $(pwd)"'], input: `line${i}\n`, env: { PATH: process.env.PATH!, WHO: `w${i}` }, cwd: dir })),
    );
    results.forEach((r, i) => expect(r.stdout).toBe(`line${i} w${i} ${dir}\n`));
  });

  it("kills a command at its timeout and says so", async () => {
    const r = await spawnViaHelper({ cmd: "sleep", args: ["30"], timeoutMs: 100 });
    expect(r).toMatchObject({ code: null, signal: "SIGKILL", timedOut: true });
  });

  it("kills a command when its signal aborts", async () => {
    const abort = new AbortController();
    const running = spawnViaHelper({ cmd: "sleep", args: ["30"], signal: abort.signal });
    setTimeout(() => abort.abort(), 100);
    await expect(running).rejects.toMatchObject({ name: "AbortError" });
  });

  it("reports a missing command as ENOENT", async () => {
    await expect(spawnViaHelper({ cmd: "wrenn-no-such-command", args: [] })).rejects.toSatisfy((e) => e instanceof SpawnError && e.code === "ENOENT");
    await expect(runCommand("wrenn-no-such-command", [])).rejects.toThrow("wrenn-no-such-command is not installed");
  });

  it("appends output to a file and runs the command in its own process group", async () => {
    const file = join(dir, "out.log");
    const r = await spawnViaHelper({ cmd: "sh", args: ["-c", "echo out; echo err >&2; ps -o pgid= -p $$; echo $$"], outputFile: file });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    const [out, err, pgid, pid] = readFileSync(file, "utf8").trim().split("\n").map((l) => l.trim());
    expect([out, err]).toEqual(["out", "err"]);
    expect(pgid).toBe(pid);
  });

  it("outlives a Ctrl-C or SIGTERM aimed at the agent's process group", async () => {
    const helper = Number((await spawnViaHelper({ cmd: "sh", args: ["-c", "echo $PPID"] })).stdout.trim());
    process.kill(helper, "SIGINT");
    process.kill(helper, "SIGTERM");
    const again = Number((await spawnViaHelper({ cmd: "sh", args: ["-c", "echo $PPID"] })).stdout.trim());
    expect(again).toBe(helper);
  });

  it("fails the commands in flight when the helper dies, and starts a new one", async () => {
    const pidOfHelper = async (): Promise<number> => Number((await spawnViaHelper({ cmd: "sh", args: ["-c", "echo $PPID"] })).stdout.trim());
    const first = await pidOfHelper();
    // Orphaned when its helper dies: short, so nothing outlives the test for long.
    const running = spawnViaHelper({ cmd: "sleep", args: ["2"] });
    process.kill(first, "SIGKILL");
    await expect(running).rejects.toThrow(/process helper exited/);
    const second = await pidOfHelper();
    expect(second).not.toBe(first);
  });

  it("runs the same requests from this process when asked to (WRENN_SPAWN_HELPER=off)", async () => {
    const local = new Spawner({ inProcess: true });
    const r = await local.run({ cmd: "sh", args: ["-c", "read x; echo $x $PPID"], input: "hi\n" });
    expect(r).toMatchObject({ code: 0, stdout: `hi ${process.pid}\n`, timedOut: false });
    expect(await local.run({ cmd: "sleep", args: ["30"], timeoutMs: 100 })).toMatchObject({ signal: "SIGKILL", timedOut: true });
    await expect(local.run({ cmd: "wrenn-no-such-command", args: [] })).rejects.toSatisfy((e) => e instanceof SpawnError && e.code === "ENOENT");
  });
});
