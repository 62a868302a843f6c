import { WRENN_VERSION } from "@wrenn/core";
import type { HttpHandler } from "../context.js";

/** `GET /health`: liveness and version; the only endpoint that needs no token. */
export const health: HttpHandler = (_req, res) => {
  const body = JSON.stringify({ status: "ok", version: WRENN_VERSION });
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
};
