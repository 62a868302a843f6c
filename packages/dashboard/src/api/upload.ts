/**
 * Multipart uploads with progress. fetch() cannot report upload progress, so these calls
 * use XMLHttpRequest; errors still come back as ApiError with the API's message.
 */
import { ApiError, errorFromBody } from "./client";
import { clearSession, getSession } from "./session";

export interface UploadProgress {
  loaded: number;
  total: number;
}

/** POSTs a form to `/v1{path}`; resolves to the parsed JSON answer (undefined for 204). */
export function postMultipart<T>(path: string, form: FormData, onProgress?: (p: UploadProgress) => void, signal?: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/v1${path}`);
    const session = getSession();
    if (session) xhr.setRequestHeader("authorization", `Bearer ${session.token}`);
    xhr.upload.onprogress = (e) => onProgress?.({ loaded: e.loaded, total: e.lengthComputable ? e.total : 0 });
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve((xhr.responseText ? JSON.parse(xhr.responseText) : undefined) as T);
        } catch {
          resolve(undefined as T);
        }
        return;
      }
      if (xhr.status === 401 && session) clearSession("unauthorized");
      reject(errorFromBody(xhr.status, xhr.statusText, xhr.responseText));
    };
    xhr.onerror = () => reject(new ApiError(0, "network_error", "The upload failed: the connection to the Wrenn API was lost."));
    xhr.onabort = () => reject(new ApiError(0, "aborted", "Upload cancelled."));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

/** Writes one file into a capsule (`POST /capsules/{id}/files/write`, fields `path` then `file`). */
export async function uploadFile(capsuleId: string, path: string, file: Blob, onProgress: (p: UploadProgress) => void, signal?: AbortSignal): Promise<void> {
  const form = new FormData();
  // Fields before the file: the server reads `path` before it streams the file part.
  form.append("path", path);
  form.append("file", file, path.split("/").pop() || "upload");
  await postMultipart<void>(`/capsules/${encodeURIComponent(capsuleId)}/files/write`, form, (p) => onProgress({ loaded: p.loaded, total: p.total || file.size }), signal);
  onProgress({ loaded: file.size, total: file.size });
}
