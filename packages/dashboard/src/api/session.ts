/**
 * The signed-in session (JWT + who and which team), kept in localStorage so it survives
 * reloads, and dropped when it expires or the API answers 401.
 */
import type { Session } from "./types";

export const SESSION_KEY = "wrenn.session";

type Listener = () => void;
const listeners = new Set<Listener>();
let cached: { raw: string | null; session: Session | null } = { raw: null, session: null };
let expiryTimer: ReturnType<typeof setTimeout> | undefined;

/** The `exp` claim of a JWT in milliseconds, or null when the token is not a readable JWT. */
export function jwtExpiryMs(token: string): number | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "="));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/** When the session stops being valid: the earlier of `expires_at` and the token's own `exp`. */
export function sessionExpiryMs(session: Pick<Session, "token" | "expires_at">): number {
  const fromField = Date.parse(session.expires_at);
  const fromToken = jwtExpiryMs(session.token);
  const candidates = [fromField, fromToken ?? Number.NaN].filter((n) => Number.isFinite(n));
  return candidates.length ? Math.min(...candidates) : 0;
}

export function isExpired(session: Pick<Session, "token" | "expires_at">, now: number = Date.now()): boolean {
  return sessionExpiryMs(session) <= now;
}

function parse(raw: string | null): Session | null {
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Session;
    if (typeof s?.token !== "string" || typeof s.expires_at !== "string") return null;
    return s;
  } catch {
    return null;
  }
}

function read(): Session | null {
  let raw: string | null = null;
  try {
    raw = localStorage.getItem(SESSION_KEY);
  } catch {}
  if (raw !== cached.raw) cached = { raw, session: parse(raw) };
  return cached.session;
}

function notify(): void {
  for (const l of listeners) l();
}

function scheduleExpiry(session: Session | null): void {
  clearTimeout(expiryTimer);
  expiryTimer = undefined;
  if (!session) return;
  // setTimeout overflows past ~24.8 days; sessions are hours long, so clamp for safety.
  const delay = Math.min(2 ** 31 - 1, Math.max(0, sessionExpiryMs(session) - Date.now()));
  expiryTimer = setTimeout(() => clearSession("expired"), delay);
}

/** The current session, or null when signed out or expired (an expired one is removed). */
export function getSession(): Session | null {
  const s = read();
  if (s && isExpired(s)) {
    clearSession("expired");
    return null;
  }
  return s;
}

export function setSession(session: Session): void {
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  lastEndReason = null;
  scheduleExpiry(session);
  notify();
}

/** Why the last session ended, so the sign-in page can say "your session expired". */
let lastEndReason: "expired" | "signed_out" | "unauthorized" | null = null;
export function sessionEndReason(): typeof lastEndReason {
  return lastEndReason;
}

export function clearSession(reason: "expired" | "signed_out" | "unauthorized" = "signed_out"): void {
  const had = read() !== null;
  try {
    localStorage.removeItem(SESSION_KEY);
  } catch {}
  scheduleExpiry(null);
  if (had) lastEndReason = reason;
  notify();
}

/** For useSyncExternalStore; also follows sign-in/out in other tabs. */
export function subscribeSession(listener: Listener): () => void {
  listeners.add(listener);
  if (listeners.size === 1) {
    scheduleExpiry(getSession());
    window.addEventListener("storage", onStorage);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) window.removeEventListener("storage", onStorage);
  };
}

function onStorage(e: StorageEvent): void {
  if (e.key !== SESSION_KEY && e.key !== null) return;
  scheduleExpiry(getSession());
  notify();
}
