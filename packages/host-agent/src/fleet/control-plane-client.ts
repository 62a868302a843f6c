import { arch, cpus, totalmem } from "node:os";
import { statfs } from "node:fs/promises";
import type { HostCredentials } from "./credentials.js";

/** The resources an agent offers: the machine's, unless configured lower (reserve some for other work). */
export interface HostSpecs {
  arch: string;
  cpu_cores: number;
  memory_mb: number;
  disk_gb: number;
}

export async function hostSpecs(wrennDir: string, overrides: Partial<HostSpecs> = {}): Promise<HostSpecs> {
  const disk = await statfs(wrennDir);
  return {
    arch: overrides.arch ?? arch(),
    cpu_cores: overrides.cpu_cores ?? cpus().length,
    memory_mb: overrides.memory_mb ?? Math.floor(totalmem() / (1024 * 1024)),
    disk_gb: overrides.disk_gb ?? Math.max(1, Math.floor((disk.blocks * disk.bsize) / 1024 ** 3)),
  };
}

/** An HTTP failure from the control plane, with its status and the API's own message. */
export class ControlPlaneError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(url: string, init: { body: unknown; headers?: Record<string, string> }): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...init.headers },
    body: JSON.stringify(init.body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = {};
  }
  if (!res.ok) {
    const error = (body as { error?: { code?: string; message?: string } }).error;
    throw new ControlPlaneError(res.status, error?.code ?? "http_error", error?.message ?? `${res.status} ${res.statusText}`);
  }
  return body as T;
}

interface Registered {
  host: { id: string };
  token: string;
  refresh_token: string;
  cert_pem: string;
  key_pem: string;
  ca_cert_pem: string;
}

/** Registers with a one-time token: the answer is everything the agent needs from then on. */
export async function register(controlPlaneUrl: string, token: string, address: string, specs: HostSpecs): Promise<HostCredentials> {
  const base = controlPlaneUrl.replace(/\/+$/, "");
  const answer = await call<Registered>(`${base}/v1/hosts/register`, { body: { token, address, ...specs } });
  return {
    control_plane_url: base,
    host_id: answer.host.id,
    address,
    token: answer.token,
    refresh_token: answer.refresh_token,
    cert_pem: answer.cert_pem,
    key_pem: answer.key_pem,
    ca_cert_pem: answer.ca_cert_pem,
  };
}

export async function refresh(credentials: HostCredentials): Promise<{ token: string; refresh_token: string }> {
  return call(`${credentials.control_plane_url}/v1/hosts/auth/refresh`, { body: { refresh_token: credentials.refresh_token } });
}

export interface HeartbeatAnswer {
  host_id: string;
  status: string;
  certificate?: { cert_pem: string; key_pem: string; ca_cert_pem: string; expires_at: string };
}

export async function heartbeat(credentials: HostCredentials, stats: Record<string, unknown>): Promise<HeartbeatAnswer> {
  return call(`${credentials.control_plane_url}/v1/hosts/${credentials.host_id}/heartbeat`, { body: stats, headers: { "x-host-token": credentials.token } });
}
