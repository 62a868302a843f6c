import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { WrennError } from "@wrenn/core";
import { openDatabase } from "@wrenn/db";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const holder = fileURLToPath(new URL("./support/hold-database.ts", import.meta.url));

/** Starts hold-database.ts in its own node process and waits until it holds the database. */
async function holdInAnotherProcess(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--conditions=wrenn-source", "--import", "tsx", holder, dataDir], {
    cwd: repoRoot,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const stderr: string[] = [];
  child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`holder exited with ${code}: ${stderr.join("")}`));
    child.once("exit", onExit);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line !== "ready") return;
      child.off("exit", onExit);
      resolve();
    });
  });
  return child;
}

async function conflictOf(promise: Promise<unknown>): Promise<WrennError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!WrennError.is(err, "conflict")) throw new Error(`expected a conflict WrennError, got ${String(err)}`);
  return err;
}

describe("the embedded database's directory lock", () => {
  let dataDir: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), "wrenn-pglite-lock-"));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await once(child, "exit");
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses a second open in the same process until the first is closed", async () => {
    const first = await openDatabase({ dataDir });
    const lockPath = join(dataDir, "db.lock");
    expect(readFileSync(lockPath, "utf8").trim()).toBe(String(process.pid));
    const err = await conflictOf(openDatabase({ dataDir }));
    expect(err.message).toContain(dataDir);
    await first.close();
    expect(existsSync(lockPath)).toBe(false);

    const second = await openDatabase({ dataDir });
    await second.close();
    await second.close(); // twice is fine
  });

  it("refuses a directory held by another live process, and takes over once it died", async () => {
    const child = await holdInAnotherProcess(dataDir);
    children.push(child);
    const err = await conflictOf(openDatabase({ dataDir }));
    expect(err.message).toBe(
      `the database in ${dataDir} is in use by another Wrenn process (pid ${child.pid}); stop it first or use another --data-dir`,
    );

    child.kill("SIGKILL");
    await once(child, "exit");
    expect(readFileSync(join(dataDir, "db.lock"), "utf8").trim()).toBe(String(child.pid));

    const { db, close } = await openDatabase({ dataDir });
    try {
      // The killed process's committed row survived its crash.
      const teams = await db.selectFrom("teams").select("id").execute();
      expect(teams).toEqual([{ id: `team-${child.pid}` }]);
      expect(readFileSync(join(dataDir, "db.lock"), "utf8").trim()).toBe(String(process.pid));
    } finally {
      await close();
    }
  });

  it("removes the lock when a process exits without closing", async () => {
    const child = await holdInAnotherProcess(dataDir);
    children.push(child);
    child.stdin!.write("exit\n");
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(0);
    expect(existsSync(join(dataDir, "db.lock"))).toBe(false);
  });

  it("takes over a lock left with a pid that no longer runs, even our own recycled pid", async () => {
    const gone = spawn(process.execPath, ["-e", ""]);
    await once(gone, "exit");
    for (const pid of [gone.pid, process.pid]) {
      writeFileSync(join(dataDir, "db.lock"), `${pid}\n`);
      const database = await openDatabase({ dataDir, migrate: false });
      await database.close();
    }
  });
});
