import { describe, expect, it } from "vitest";
import { SharedBuilds } from "./shared-builds.js";

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("SharedBuilds", () => {
  it("runs one build for concurrent callers and gives each the progress and result", async () => {
    const builds = new SharedBuilds<string, string>();
    const gate = deferred<void>();
    let runs = 0;
    const seen: string[][] = [[], []];
    const build = async (_signal: AbortSignal, progress: (e: string) => void) => {
      runs++;
      await gate.promise;
      progress("half");
      return "image";
    };
    const a = builds.run("minimal", build, { onProgress: (e) => seen[0]!.push(e) });
    const b = builds.run("minimal", build, { onProgress: (e) => seen[1]!.push(e) });
    expect(builds.running()).toEqual(["minimal"]);
    gate.resolve();
    expect(await Promise.all([a, b])).toEqual(["image", "image"]);
    expect(runs).toBe(1);
    expect(seen).toEqual([["half"], ["half"]]);
    expect(builds.running()).toEqual([]);
  });

  it("drops an aborting caller but keeps building for the others; the last one out aborts it and waits", async () => {
    const builds = new SharedBuilds<string, string>();
    let buildSignal: AbortSignal | undefined;
    let cleanedUp = false;
    const build = (signal: AbortSignal) => {
      buildSignal = signal;
      return new Promise<string>((_, reject) =>
        signal.addEventListener("abort", () =>
          setTimeout(() => {
            cleanedUp = true;
            reject(signal.reason);
          }, 20),
        ),
      );
    };
    const c1 = new AbortController();
    const c2 = new AbortController();
    const a = builds.run("node", build, { signal: c1.signal });
    const b = builds.run("node", build, { signal: c2.signal });
    c1.abort(new Error("first gave up"));
    await expect(a).rejects.toThrow("first gave up");
    expect(buildSignal!.aborted).toBe(false);
    c2.abort(new Error("second gave up"));
    await expect(b).rejects.toThrow("second gave up");
    expect(buildSignal!.aborted).toBe(true);
    // The last caller hears of the abort only after the build cleaned up.
    expect(cleanedUp).toBe(true);
    expect(builds.running()).toEqual([]);
  });
});
