// The control plane serves the dashboard's static build at / with a single-page-app fallback.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startStack, type Stack } from "./support/stack.js";

describe("dashboard static files", () => {
  let stack: Stack;
  const dir = mkdtempSync(join(tmpdir(), "wrenn-dash-"));
  beforeAll(async () => {
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>Wrenn</title>");
    writeFileSync(join(dir, "assets", "app-abc123.js"), "console.log(1)");
    stack = await startStack({ backend: "pglite", postgresUrl: inject("postgresUrl"), config: { dashboardDir: dir } });
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves index.html at / and for client-side routes, uncached", async () => {
    for (const path of ["/", "/capsules", "/capsules/cl-x/terminal"]) {
      const res = await fetch(stack.url + path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(await res.text()).toContain("<title>Wrenn</title>");
    }
  });

  it("serves hashed assets with long caching and 404s missing files and API paths as JSON", async () => {
    const asset = await fetch(`${stack.url}/assets/app-abc123.js`);
    expect(asset.headers.get("content-type")).toContain("text/javascript");
    expect(asset.headers.get("cache-control")).toContain("immutable");
    expect(await asset.text()).toBe("console.log(1)");
    for (const path of ["/assets/missing.js", "/v1/nothing-here", "/..%2f..%2f..%2fetc%2fpasswd", "/assets/..%2f..%2f..%2f..%2fetc%2fhostname"]) {
      const res = await stack.api("GET", path, { auth: null });
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    // Encoded dots are normalised by the client into a plain client-side route: never a host file.
    const dotted = await fetch(`${stack.url}/%2e%2e/%2e%2e/etc/passwd`);
    expect(await dotted.text()).not.toContain("root:");
  });
});
