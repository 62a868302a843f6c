import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** The budget for JavaScript loaded before the first screen: 250 kB gzip. */
const INITIAL_JS_BUDGET = 250 * 1024;

const dashboardDir = fileURLToPath(new URL("..", import.meta.url));
const vite = fileURLToPath(new URL("../../../node_modules/vite/bin/vite.js", import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), "wrenn-dashboard-"));

/** Scripts and module preloads index.html makes the browser fetch up front. */
function initialScripts(html: string): string[] {
  const srcs = [...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g), ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"/g)].map((m) => m[1]!);
  return [...new Set(srcs)];
}

const gz = (file: string): number => gzipSync(readFileSync(join(outDir, file))).length;

describe("dashboard bundle", () => {
  let html = "";
  let initial: string[] = [];
  let assets: string[] = [];

  beforeAll(() => {
    // A fresh production build of the current sources, away from dist/ (which may be in use);
    // vitest sets NODE_ENV=test, which would otherwise give React's larger development build.
    execFileSync(process.execPath, [vite, "build", "--outDir", outDir, "--emptyOutDir"], { cwd: dashboardDir, stdio: "pipe", env: { ...process.env, NODE_ENV: "production" } });
    html = readFileSync(join(outDir, "index.html"), "utf8");
    initial = initialScripts(html).map((s) => s.replace(/^\//, ""));
    assets = execFileSync("ls", [join(outDir, "assets")], { encoding: "utf8" }).trim().split("\n");
  }, 120_000);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it("loads at most 250 kB of JavaScript (gzip) before the first screen", () => {
    expect(initial.length).toBeGreaterThan(0);
    const total = initial.reduce((sum, f) => sum + gz(f), 0);
    console.info(`initial JS: ${initial.join(", ")} = ${(total / 1024).toFixed(1)} kB gzip`);
    expect(total).toBeLessThanOrEqual(INITIAL_JS_BUDGET);
  });

  it("keeps the terminal (xterm) and the charts (uPlot) out of the initial chunks", () => {
    const initialCode = initial.map((f) => readFileSync(join(outDir, f), "utf8")).join("\n");
    expect(initialCode).not.toContain("xterm-helper-textarea");
    expect(initialCode).not.toContain("u-cursor-pt");
    const lazy = assets.filter((a) => a.endsWith(".js") && !initial.includes(`assets/${a}`));
    const lazyCode = lazy.map((f) => readFileSync(join(outDir, "assets", f), "utf8")).join("\n");
    expect(lazyCode).toContain("xterm-helper-textarea");
    expect(lazyCode).toContain("u-cursor-pt");
  });
});
