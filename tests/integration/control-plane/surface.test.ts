// The always-on surface: health, metrics, OpenAPI, docs, uniform errors, request ids.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dbBackends } from "@wrenn/testkit";
import { startStack, type Stack } from "./support/stack.js";

describe.each(dbBackends)("control plane surface on %s", (backend) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ backend, postgresUrl: inject("postgresUrl") });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("reports health with the database up and the (absent) agent down", async () => {
    const res = await stack.api("GET", "/health", { auth: null });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: "degraded", database: "ok", agent: "error" });
  });

  it("serves Prometheus metrics including request durations", async () => {
    await stack.api("GET", "/v1/nope", { auth: null });
    const res = await stack.api("GET", "/metrics", { auth: null });
    expect(res.status).toBe(200);
    expect(res.text).toContain("wrenn_http_request_duration_seconds_bucket");
    expect(res.text).toContain("wrenn_cp_process_cpu_seconds_total");
  });

  it("answers unknown routes and missing credentials with the uniform error shape and a request id", async () => {
    const missing = await stack.api("GET", "/v1/nope", { auth: null });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: "not_found", message: expect.stringContaining("/v1/nope") } });
    expect(missing.headers.get("x-request-id")).toMatch(/^req-[0-9a-f]{16}$/);
    const echoed = await stack.api("GET", "/v1/nope", { auth: null, headers: { "x-request-id": "trace-123" } });
    expect(echoed.headers.get("x-request-id")).toBe("trace-123");
  });

  it("serves the OpenAPI document as JSON and YAML, and the docs UI offline", async () => {
    const json = await stack.api("GET", "/openapi.json", { auth: null });
    expect(json.status).toBe(200);
    expect(json.body.openapi).toBe("3.1.0");
    const yaml = await stack.api("GET", "/openapi.yaml", { auth: null });
    expect(yaml.text).toContain("openapi: 3.1.0");
    const docs = await fetch(`${stack.url}/docs`);
    expect(docs.status).toBe(200);
    const html = await docs.text();
    // Assets are served by the control plane itself, not a CDN.
    expect(html).not.toMatch(/https?:\/\/(cdn|unpkg|jsdelivr)/);
    const asset = /src="([^"]*swagger-ui-bundle\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const bundle = await fetch(new URL(asset!, docs.url));
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
  });
});
