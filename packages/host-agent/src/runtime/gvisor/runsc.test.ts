// Needs root and runsc (as the whole host-agent suite does).
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Runsc } from "./runsc.js";

describe("Runsc.detached", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it("says why runsc refused to start, from its own output", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wrenn-runsc-"));
    dirs.push(dir);
    const bundle = join(dir, "bundle");
    await mkdir(bundle);
    const missing = join(dir, "no-such-rootfs");
    await writeFile(
      join(bundle, "config.json"),
      JSON.stringify({ ociVersion: "1.0.2", process: { args: ["/bin/true"], cwd: "/" }, root: { path: missing, readonly: true } }),
    );
    const runsc = new Runsc({ binary: "runsc", root: join(dir, "state"), platform: "systrap" });
    const run = runsc.detached(["run", "--detach", "--bundle", bundle, "wrenn-runsc-test"], join(dir, "console.log"), dir);
    // The message leads with the gofer's reason (the rootfs is missing), not just the exit code.
    await expect(run).rejects.toThrow(/^runsc run exited with \d+ \(Error setting up root FS: .*no such file or directory.*\); see /);
  });
});
