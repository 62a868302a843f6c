import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  CapsuleUnavailableError,
  CommandExitError,
  ConflictError,
  ConnectionError,
  InvalidArgumentError,
  InvalidStateError,
  NotFoundError,
  PermissionError,
  RateLimitError,
  ServerError,
  TimeoutError,
  TooLargeError,
  WrennError,
  errorFromApi,
  errorFromResponse,
  errorFromTransport,
} from "./errors.js";

const body = (code: string, message: string): string => JSON.stringify({ error: { code, message } });

describe("errorFromResponse", () => {
  it.each([
    [400, "invalid_request", InvalidArgumentError],
    [401, "unauthorized", AuthenticationError],
    [403, "forbidden", PermissionError],
    [404, "not_found", NotFoundError],
    [409, "conflict", ConflictError],
    [409, "invalid_state", InvalidStateError],
    [413, "too_large", TooLargeError],
    [429, "rate_limited", RateLimitError],
    [500, "internal_error", ServerError],
    [502, "agent_error", CapsuleUnavailableError],
    [503, "host_unavailable", CapsuleUnavailableError],
    [503, "no_hosts_available", CapsuleUnavailableError],
    [504, "timeout", TimeoutError],
  ] as const)("HTTP %i %s → %s", (status, code, cls) => {
    const err = errorFromResponse(status, body(code, "something happened"));
    expect(err).toBeInstanceOf(cls);
    expect(err).toBeInstanceOf(WrennError);
    expect(err.code).toBe(code);
    expect(err.status).toBe(status);
    expect(err.message).toContain("something happened");
    expect(err.name).toBe(cls.name);
  });

  it("an invalid_state error is also a ConflictError, and a 502 also a ServerError", () => {
    expect(errorFromResponse(409, body("invalid_state", "paused"))).toBeInstanceOf(ConflictError);
    expect(errorFromResponse(502, body("agent_error", "x"))).toBeInstanceOf(ServerError);
  });

  it("falls back to the status when the body is not the API's error shape", () => {
    const err = errorFromResponse(404, "<html>no</html>");
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.code).toBe("http_404");
    expect(err.message).toContain("<html>no</html>");
    expect(errorFromResponse(599, "")).toBeInstanceOf(ServerError);
    expect(errorFromResponse(418, "").constructor).toBe(WrennError);
  });

  it("an unknown code with a known status maps by status", () => {
    expect(errorFromResponse(403, body("quota_exceeded", "no more"))).toBeInstanceOf(PermissionError);
  });

  it("messages say what to do next", () => {
    expect(errorFromResponse(401, body("unauthorized", "invalid API key")).message).toMatch(/invalid API key\. Next: .*WRENN_API_KEY/);
    expect(errorFromResponse(413, body("too_large", "the file is over 100 MiB")).message).toMatch(/stream/);
    expect(errorFromResponse(504, body("timeout", "too slow")).message).toMatch(/timeoutMs/);
  });

  it("reads Retry-After into RateLimitError", () => {
    const err = errorFromResponse(429, body("rate_limited", "too many"), new Headers({ "retry-after": "7" }));
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).retryAfterSec).toBe(7);
    expect(err.message).toContain("retry after 7 s");
  });
});

describe("errorFromApi (WebSocket error messages)", () => {
  it("maps by code without a status", () => {
    const err = errorFromApi("not_found", "process 42 not found");
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.status).toBeUndefined();
  });
});

describe("errorFromTransport", () => {
  it("a refused connection says how to fix the URL", () => {
    const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    const err = errorFromTransport(Object.assign(new TypeError("fetch failed"), { cause }), { url: "http://127.0.0.1:1/v1/capsules" });
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toContain("ECONNREFUSED");
    expect(err.message).toContain("WRENN_API_URL");
  });

  it("a deadline is a TimeoutError naming the limit", () => {
    const err = errorFromTransport(new DOMException("deadline", "TimeoutError"), { url: "http://x/v1/capsules", timeoutMs: 1500 });
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toContain("1500 ms");
  });

  it("passes WrennErrors through", () => {
    const original = new NotFoundError("gone");
    expect(errorFromTransport(original, { url: "x" })).toBe(original);
  });
});

describe("CommandExitError", () => {
  it("carries the output and shows the end of stderr", () => {
    const err = new CommandExitError(42, "out\n", "line1\nline2\nboom\n");
    expect(err).toBeInstanceOf(WrennError);
    expect([err.exitCode, err.stdout, err.stderr]).toEqual([42, "out\n", "line1\nline2\nboom\n"]);
    expect(err.message).toMatch(/exited with code 42: line1\nline2\nboom/);
    expect(err.code).toBe("command_exit");
  });
});
