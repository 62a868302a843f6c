import { execFile } from "node:child_process";
import { WrennError } from "@wrenn/core";
import type { EnvdRequest, HttpHandler } from "../context.js";
import type { Logger } from "../log.js";

/** `/init` carries a token and some env vars; anything bigger is a mistake or an attack. */
export const INIT_BODY_LIMIT_BYTES = 1024 * 1024;

/** The clock is only moved when it is off by at least this much (a request is never instant). */
const CLOCK_TOLERANCE_MS = 1000;

/** The `/init` body as E2B clients send it; unknown fields are ignored. */
export interface InitRequest {
  accessToken?: string;
  envVars?: Record<string, string>;
  defaultUser?: string;
  defaultWorkdir?: string;
  /** Wall-clock time at the caller, Unix milliseconds. */
  timestamp?: number;
  /** Wrenn extension: the capsule's memory limit, enforced by envd's OOM guard. */
  memoryLimitMb?: number;
}

const invalid = (message: string): WrennError => new WrennError("invalid_request", message);

function optionalString(body: Record<string, unknown>, name: string, maxLength: number): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.length === 0 || value.length > maxLength || value.includes("\0")) {
    throw invalid(`${name} must be a non-empty string of at most ${maxLength} characters without NUL bytes`);
  }
  return value;
}

function parseEnvVars(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw invalid('envVars must be an object of strings, e.g. {"FOO": "bar"}');
  }
  const envVars: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (name.length === 0 || name.includes("=") || name.includes("\0")) {
      throw invalid(`envVars: "${name}" is not a valid variable name (must be non-empty, without "=" or NUL)`);
    }
    if (typeof v !== "string" || v.includes("\0")) {
      throw invalid(`envVars.${name} must be a string without NUL bytes`);
    }
    envVars[name] = v;
  }
  return envVars;
}

function parseTimestamp(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === "number" ? value : typeof value === "string" ? Date.parse(value) : NaN;
  // 2000-01-01 .. 2100-01-01: catches seconds-for-milliseconds and garbage alike.
  if (!Number.isFinite(ms) || ms < 946_684_800_000 || ms > 4_102_444_800_000) {
    throw invalid("timestamp must be an ISO 8601 string or Unix milliseconds between 2000 and 2100");
  }
  return ms;
}

function parseMemoryLimit(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 16 || value > 4 * 1024 * 1024) {
    throw invalid("memoryLimitMb must be an integer number of MiB from 16 to 4194304");
  }
  return value;
}

/** Validates an `/init` body; throws `invalid_request` naming the field at fault. */
export function parseInitRequest(body: unknown): InitRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalid("the /init body must be a JSON object");
  }
  const fields = body as Record<string, unknown>;
  return {
    accessToken: optionalString(fields, "accessToken", 4096),
    envVars: parseEnvVars(fields.envVars),
    defaultUser: optionalString(fields, "defaultUser", 256),
    defaultWorkdir: optionalString(fields, "defaultWorkdir", 4096),
    timestamp: parseTimestamp(fields.timestamp),
    memoryLimitMb: parseMemoryLimit(fields.memoryLimitMb),
  };
}

/**
 * Reads a request body up to `limit` bytes. Past the limit it stops collecting without
 * destroying the request, so the client still gets the 413 and Node drains the rest.
 */
export function readBody(req: EnvdRequest, limit: number): Promise<Buffer> {
  const tooLarge = (): WrennError =>
    new WrennError("too_large", `request body is larger than ${limit} bytes; send at most ${limit} bytes`);
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

export type SetClock = (unixMs: number) => Promise<void>;

/** `date -s`: needs CAP_SYS_TIME, which envd has as PID 1's child inside a capsule. */
export const setSystemClock: SetClock = (unixMs) =>
  new Promise((resolve, reject) => {
    execFile("date", ["-u", "-s", `@${(unixMs / 1000).toFixed(3)}`], { timeout: 2000 }, (err) =>
      err ? reject(err) : resolve(),
    );
  });

export type ClockOutcome = "dev" | "in_sync" | "set" | "failed";

/**
 * Moves the capsule's clock to the caller's: after a resume the guest clock still shows
 * the moment of the snapshot. Never in --dev, where the clock is the developer's machine's.
 */
export async function syncClock(
  unixMs: number,
  options: { dev: boolean; log: Logger; setClock?: SetClock; now?: () => number },
): Promise<ClockOutcome> {
  const drift = unixMs - (options.now ?? Date.now)();
  if (options.dev) {
    options.log.info("init: not setting the clock in --dev mode", { drift_ms: drift });
    return "dev";
  }
  if (Math.abs(drift) < CLOCK_TOLERANCE_MS) return "in_sync";
  try {
    await (options.setClock ?? setSystemClock)(unixMs);
    options.log.info("init: clock set", { drift_ms: drift });
    return "set";
  } catch (err) {
    // gVisor and unprivileged runs refuse; the capsule keeps its own clock.
    options.log.warn("init: cannot set the clock", { drift_ms: drift, error: String(err) });
    return "failed";
  }
}

/**
 * `POST /init`: the host agent calls it after create and after every resume.
 * - `accessToken` replaces the token; once one is set, `/init` itself needs it (server.ts).
 * - `envVars` are merged into the defaults: named keys are set or replaced, others kept,
 *   so a resume can update a few without resending all.
 * - `defaultUser` must exist in the capsule (400 otherwise); `defaultWorkdir` is kept as given.
 * - `timestamp` sets the capsule clock (never in --dev).
 * Everything is validated before anything changes. Ends the quiesced state. 204.
 */
export const init: HttpHandler = async (req, res, ctx) => {
  const raw = await readBody(req, INIT_BODY_LIMIT_BYTES);
  let body: unknown = {};
  if (raw.length > 0) {
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch (err) {
      throw new WrennError("invalid_request", `the /init body is not valid JSON: ${(err as Error).message}`);
    }
  }
  const request = parseInitRequest(body);
  if (request.defaultUser !== undefined) ctx.users.lookup(request.defaultUser);
  if (request.timestamp !== undefined) {
    await syncClock(request.timestamp, { dev: ctx.config.dev, log: ctx.log });
  }

  const { state } = ctx;
  if (request.accessToken !== undefined) state.accessToken = request.accessToken;
  if (request.envVars) state.envVars = { ...state.envVars, ...request.envVars };
  if (request.defaultUser !== undefined) state.defaultUser = request.defaultUser;
  if (request.defaultWorkdir !== undefined) state.defaultWorkdir = request.defaultWorkdir;
  if (request.memoryLimitMb !== undefined) state.memoryLimitBytes = request.memoryLimitMb * 1024 * 1024;
  state.quiesced = false;
  state.events.emit("init");
  ctx.log.info("init", {
    token_set: state.accessToken !== undefined,
    env_vars: Object.keys(state.envVars).length,
    default_user: state.defaultUser,
    default_workdir: state.defaultWorkdir,
  });
  res.writeHead(204);
  res.end();
};
