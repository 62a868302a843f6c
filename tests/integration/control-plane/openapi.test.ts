// The OpenAPI document is generated from the route schemas: every route must carry one,
// with examples, or this test names it.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { lintOpenApi } from "../../../packages/control-plane/src/http/openapi-lint.js";
import { startStack, type Stack } from "./support/stack.js";

describe("OpenAPI document", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ backend: "pglite", postgresUrl: inject("postgresUrl") });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("has no route without a schema", () => {
    // @fastify/swagger-ui registers its own asset routes without schemas.
    const ours = stack.cp.app.routesWithoutSchema.filter((r) => !r.includes("/docs"));
    expect(ours).toEqual([]);
  });

  it("documents every operation with a summary, examples and error responses", async () => {
    const doc = (await stack.api("GET", "/openapi.json", { auth: null })).body;
    expect(lintOpenApi(doc)).toEqual([]);
  });

  it("covers the public API of API.md", async () => {
    const doc = (await stack.api("GET", "/openapi.json", { auth: null })).body;
    const paths = Object.keys(doc.paths);
    for (const expected of [
      "/v1/capsules",
      "/v1/capsules/{id}",
      "/v1/capsules/{id}/exec",
      "/v1/capsules/{id}/files/list",
      "/v1/snapshots",
      "/v1/auth/login",
      "/v1/api-keys",
      "/v1/teams",
      "/v1/audit-logs",
      "/health",
    ]) {
      expect(paths).toContain(expected);
    }
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(["Error", "Capsule"]));
  });

  it("lintOpenApi catches a missing example, summary and error response", () => {
    const problems = lintOpenApi({
      paths: { "/x": { post: { requestBody: { content: { "application/json": { schema: { type: "object" } } } }, responses: { 200: { content: { "application/json": { schema: { type: "object" } } } } } } } },
    });
    expect(problems).toEqual(["POST /x: no summary", "POST /x: request body has no example", "POST /x: 200 response has no example", "POST /x: no documented error response"]);
  });
});
