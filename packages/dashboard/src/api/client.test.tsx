// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, ApiError, errorFromBody, itemsOf, messageOf, withQuery } from "./client";
import { getSession, sessionEndReason, setSession } from "./session";
import type { Session } from "./types";

const farFuture = new Date(Date.now() + 3_600_000).toISOString();
const session: Session = {
  token: "header.payload.sig",
  expires_at: farFuture,
  user: { id: "usr-1", email: "a@b.c", name: "", status: "active", is_admin: false, default_team_id: null, created_at: farFuture },
  team: { id: "team-1", name: "T", is_byoc: false, role: "owner", created_at: farFuture },
};

const json = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

let fetchMock: ReturnType<typeof vi.fn>;
beforeEach(() => {
  localStorage.clear();
  fetchMock = vi.fn();
  vi.stubGlobal("fetch", fetchMock);
});
afterEach(() => vi.unstubAllGlobals());

describe("errorFromBody", () => {
  it("keeps the API's code and message verbatim", () => {
    const e = errorFromBody(409, "Conflict", JSON.stringify({ error: { code: "invalid_state", message: "capsule cl-x is paused; resume it first" } }));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(409);
    expect(e.code).toBe("invalid_state");
    expect(e.message).toBe("capsule cl-x is paused; resume it first");
  });
  it("falls back to the HTTP status and body text for non-API answers", () => {
    const e = errorFromBody(502, "Bad Gateway", "<html>upstream down</html>");
    expect(e.code).toBe("internal_error");
    expect(e.message).toBe("HTTP 502 Bad Gateway: <html>upstream down</html>");
    expect(errorFromBody(404, "", "").message).toBe("HTTP 404");
  });
});

describe("api()", () => {
  it("sends JSON with the session's bearer token to /v1", async () => {
    setSession(session);
    fetchMock.mockResolvedValue(json(201, { id: "cl-1" }));
    await expect(api("POST", "/capsules", { body: { template: "minimal" } })).resolves.toEqual({ id: "cl-1" });
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe("/v1/capsules");
    expect(init.method).toBe("POST");
    expect(init.headers.authorization).toBe("Bearer header.payload.sig");
    expect(init.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(init.body)).toEqual({ template: "minimal" });
  });

  it("resolves 204 to undefined", async () => {
    fetchMock.mockResolvedValue(new Response(null, { status: 204 }));
    await expect(api("DELETE", "/capsules/cl-1")).resolves.toBeUndefined();
  });

  it("throws ApiError with the API's message", async () => {
    fetchMock.mockResolvedValue(json(404, { error: { code: "not_found", message: "capsule cl-9 not found" } }));
    await expect(api("GET", "/capsules/cl-9")).rejects.toMatchObject({ status: 404, code: "not_found", message: "capsule cl-9 not found" });
  });

  it("ends the session on 401 of a signed-in call", async () => {
    setSession(session);
    fetchMock.mockResolvedValue(json(401, { error: { code: "unauthorized", message: "the session has expired; log in again" } }));
    await expect(api("GET", "/capsules")).rejects.toMatchObject({ status: 401 });
    expect(getSession()).toBeNull();
    expect(sessionEndReason()).toBe("unauthorized");
  });

  it("keeps the session on 401 of an anonymous call (wrong password at sign-in)", async () => {
    setSession(session);
    fetchMock.mockResolvedValue(json(401, { error: { code: "unauthorized", message: "the e-mail address or password is wrong" } }));
    await expect(api("POST", "/auth/login", { body: {}, anonymous: true })).rejects.toThrow("the e-mail address or password is wrong");
    expect(fetchMock.mock.calls[0]![1].headers.authorization).toBeUndefined();
    expect(getSession()).not.toBeNull();
  });

  it("adds query parameters, skipping empty ones", async () => {
    expect(withQuery("/audit-logs", { limit: 50, before: undefined, action: "", resource_type: "capsule" })).toBe("/audit-logs?limit=50&resource_type=capsule");
    expect(withQuery("/x")).toBe("/x");
  });
});

describe("helpers", () => {
  it("messageOf explains network failures", () => {
    expect(messageOf(new TypeError("Failed to fetch"))).toMatch(/Cannot reach the Wrenn API/);
    expect(messageOf(new ApiError(400, "invalid_request", "vcpus must be at most 8"))).toBe("vcpus must be at most 8");
  });
  it("itemsOf unwraps lists in either shape", () => {
    expect(itemsOf({ items: [1, 2] })).toEqual([1, 2]);
    expect(itemsOf([3])).toEqual([3]);
    expect(itemsOf(undefined)).toEqual([]);
  });
});
