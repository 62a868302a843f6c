/**
 * The one way the dashboard calls the API: same origin, JSON in and out, the session's
 * bearer token attached, and every failure turned into an ApiError carrying the API's
 * own message. A 401 on an authenticated call ends the session.
 */
import { clearSession, getSession } from "./session";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** The error's machine-readable `details` (e.g. `capsule_ids` of a `host_has_capsules` conflict). */
  readonly details: Record<string, unknown>;
  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** The API's `{"error":{"code","message","details"}}`, or a fallback naming the HTTP status. */
export function errorFromBody(status: number, statusText: string, body: string): ApiError {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    const e = parsed.error;
    if (e && typeof e.message === "string") {
      const details = e.details && typeof e.details === "object" && !Array.isArray(e.details) ? (e.details as Record<string, unknown>) : {};
      return new ApiError(status, typeof e.code === "string" ? e.code : "unknown", e.message, details);
    }
  } catch {}
  const text = body.trim().slice(0, 300);
  return new ApiError(status, status >= 500 ? "internal_error" : "http_error", `HTTP ${status}${statusText ? ` ${statusText}` : ""}${text ? `: ${text}` : ""}`);
}

/** A readable message from anything thrown (ApiError, network failure, bug). */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof TypeError && /fetch|network/i.test(err.message)) return "Cannot reach the Wrenn API. Check that the control plane is running.";
  if (err instanceof Error) return err.message;
  return String(err);
}

export interface RequestOptions {
  body?: unknown;
  /** Skip the session token (sign-in, sign-up, activation, password reset). */
  anonymous?: boolean;
  signal?: AbortSignal;
  query?: Record<string, string | number | boolean | undefined | null>;
}

export function withQuery(path: string, query?: RequestOptions["query"]): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}${path.includes("?") ? "&" : "?"}${qs}` : path;
}

export function authHeaders(anonymous = false): Record<string, string> {
  if (anonymous) return {};
  const s = getSession();
  return s ? { authorization: `Bearer ${s.token}` } : {};
}

/** Turns a non-2xx response into an ApiError (and a 401 on a signed-in call into sign-out). */
export async function failure(res: Response, sentToken: boolean): Promise<ApiError> {
  const err = errorFromBody(res.status, res.statusText, await res.text().catch(() => ""));
  if (res.status === 401 && sentToken) clearSession("unauthorized");
  return err;
}

async function send(method: string, path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: "application/json", ...authHeaders(options.anonymous) };
  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  const res = await fetch(`/v1${withQuery(path, options.query)}`, { method, headers, body, signal: options.signal ?? null });
  if (!res.ok) throw await failure(res, "authorization" in headers);
  return res;
}

/** JSON call; 204 resolves to undefined. */
export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const res = await send(method, path, options);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A call whose answer is raw bytes (file download). */
export async function apiBlob(method: string, path: string, options: RequestOptions = {}): Promise<Blob> {
  const res = await send(method, path, options);
  return res.blob();
}

/** Lists come as `{items: [...]}`; this unwraps them (and tolerates a bare array). */
export function itemsOf<T>(body: { items: T[] } | T[] | undefined | null): T[] {
  if (!body) return [];
  return Array.isArray(body) ? body : (body.items ?? []);
}
