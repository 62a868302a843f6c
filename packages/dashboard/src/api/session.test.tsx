// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clearSession, getSession, isExpired, jwtExpiryMs, SESSION_KEY, sessionEndReason, setSession, subscribeSession } from "./session";
import type { Session } from "./types";

const b64url = (o: object): string => btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const jwt = (exp: number): string => `${b64url({ alg: "HS256" })}.${b64url({ sub: "usr-x", team: "team-y", exp })}.sig`;

function session(expMs: number, expiresAt = new Date(expMs).toISOString()): Session {
  return {
    token: jwt(Math.floor(expMs / 1000)),
    expires_at: expiresAt,
    user: { id: "usr-1", email: "ada@example.com", name: "", status: "active", is_admin: false, default_team_id: null, created_at: "2025-01-01T00:00:00Z" },
    team: { id: "team-1", name: "Ada", is_byoc: false, role: "owner", created_at: "2025-01-01T00:00:00Z" },
  };
}

beforeEach(() => localStorage.clear());
afterEach(() => {
  vi.useRealTimers();
  clearSession();
});

describe("jwtExpiryMs", () => {
  it("reads exp from a JWT payload", () => {
    expect(jwtExpiryMs(jwt(1_700_000_000))).toBe(1_700_000_000_000);
  });
  it("is null for tokens that are not JWTs", () => {
    expect(jwtExpiryMs("wrn_0123")).toBeNull();
    expect(jwtExpiryMs("a.%%%.c")).toBeNull();
    expect(jwtExpiryMs(`${b64url({})}.${b64url({ sub: "x" })}.s`)).toBeNull();
  });
});

describe("session storage", () => {
  it("survives a reload (lives in localStorage)", () => {
    const s = session(Date.now() + 3_600_000);
    setSession(s);
    expect(JSON.parse(localStorage.getItem(SESSION_KEY)!)).toEqual(s);
    expect(getSession()).toEqual(s);
  });

  it("drops an expired session on read", () => {
    localStorage.setItem(SESSION_KEY, JSON.stringify(session(Date.now() - 1000)));
    expect(getSession()).toBeNull();
    expect(localStorage.getItem(SESSION_KEY)).toBeNull();
    expect(sessionEndReason()).toBe("expired");
  });

  it("uses the earlier of expires_at and the token's exp", () => {
    const s = session(Date.now() + 3_600_000, new Date(Date.now() - 1).toISOString());
    expect(isExpired(s)).toBe(true);
    expect(isExpired(session(Date.now() + 60_000))).toBe(false);
  });

  it("ignores garbage in storage", () => {
    localStorage.setItem(SESSION_KEY, "{not json");
    expect(getSession()).toBeNull();
    localStorage.setItem(SESSION_KEY, JSON.stringify({ hello: 1 }));
    expect(getSession()).toBeNull();
  });

  it("signs out by itself when the token expires", () => {
    vi.useFakeTimers();
    const listener = vi.fn();
    const unsubscribe = subscribeSession(listener);
    setSession(session(Date.now() + 5000));
    expect(getSession()).not.toBeNull();
    listener.mockClear();
    vi.advanceTimersByTime(5001);
    expect(localStorage.getItem(SESSION_KEY)).toBeNull();
    expect(listener).toHaveBeenCalled();
    expect(sessionEndReason()).toBe("expired");
    unsubscribe();
  });

  it("notifies subscribers on sign-in and sign-out", () => {
    const listener = vi.fn();
    const unsubscribe = subscribeSession(listener);
    setSession(session(Date.now() + 60_000));
    clearSession("signed_out");
    expect(listener).toHaveBeenCalledTimes(2);
    unsubscribe();
  });
});
