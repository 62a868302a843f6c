import type { EnvdConnection } from "./connection.js";
import { ensureOk, readAll, type EnvdHttpResponse } from "./http.js";

/** What envd's `POST /files` answers for each uploaded file. */
export interface UploadedEntry {
  name: string;
  path: string;
  type: string;
}

function filesPath(path: string, user: string | undefined): string {
  const query = new URLSearchParams({ path });
  if (user) query.set("username", user);
  return `/files?${query}`;
}

/**
 * `GET /files`: the response is checked, its body is the file and must be read or
 * destroyed by the caller.
 */
export async function downloadFile(
  envd: EnvdConnection,
  path: string,
  user: string | undefined,
  signal?: AbortSignal,
): Promise<EnvdHttpResponse> {
  const res = await envd.request({ method: "GET", path: filesPath(path, user), user, signal });
  await ensureOk(res, `reading ${path}`);
  return res;
}

/**
 * `POST /files` with the raw bytes (application/octet-stream) as they stream in, so a
 * file of any size passes through without being held in memory.
 */
export async function uploadFile(
  envd: EnvdConnection,
  path: string,
  user: string | undefined,
  data: Uint8Array | AsyncIterable<Uint8Array>,
  signal?: AbortSignal,
): Promise<UploadedEntry | undefined> {
  const res = await envd.request({
    method: "POST",
    path: filesPath(path, user),
    user,
    headers: { "content-type": "application/octet-stream" },
    body: data,
    signal,
  });
  await ensureOk(res, `writing ${path}`);
  const text = (await readAll(res.body, 1 << 20, () => new Error("envd's upload answer is over 1 MiB"))).toString("utf8");
  try {
    const entries = JSON.parse(text) as UploadedEntry[];
    return Array.isArray(entries) ? entries[0] : undefined;
  } catch {
    return undefined;
  }
}
