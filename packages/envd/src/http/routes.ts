import type { HttpHandler } from "../context.js";
import { health } from "./health.js";
import { downloadFile } from "./files-download.js";
import { uploadFiles } from "./files-upload.js";
import { metrics } from "./metrics.js";
import { envs } from "./envs.js";
import { init } from "./init.js";
import { snapshotPrepare } from "./snapshot.js";

/** Plain HTTP endpoints by "METHOD /path"; everything else goes to Connect. */
export const httpRoutes: Record<string, HttpHandler> = {
  "GET /health": health,
  "GET /files": downloadFile,
  "POST /files": uploadFiles,
  "GET /metrics": metrics,
  "GET /envs": envs,
  "POST /init": init,
  "POST /snapshot/prepare": snapshotPrepare,
};
