/**
 * File upload with progress. fetch() cannot report upload progress, so this one call uses
 * XMLHttpRequest; errors still come back as ApiError with the API's message.
 */
import { ApiError, errorFromBody } from "./client";
import { clearSession, getSession } from "./session";

export interface UploadProgress {
  loaded: number;
  total: number;
}

export function uploadFile(
  capsuleId: string,
  path: string,
  file: Blob,
  onProgress: (p: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/v1/capsules/${encodeURIComponent(capsuleId)}/files/write`);
    const session = getSession();
    if (session) xhr.setRequestHeader("authorization", `Bearer ${session.token}`);
    xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress({ loaded: file.size, total: file.size });
        resolve();
        return;
      }
      if (xhr.status === 401 && session) clearSession("unauthorized");
      reject(errorFromBody(xhr.status, xhr.statusText, xhr.responseText));
    };
    xhr.onerror = () => reject(new ApiError(0, "network_error", "The upload failed: the connection to the Wrenn API was lost."));
    xhr.onabort = () => reject(new ApiError(0, "aborted", "Upload cancelled."));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    const form = new FormData();
    // Fields before the file: the server reads `path` before it streams the file part.
    form.append("path", path);
    form.append("file", file, path.split("/").pop() || "upload");
    xhr.send(form);
  });
}
