import { createReadStream, existsSync, statSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { WrennError } from "@wrenn/core";
import type { FastifyInstance } from "fastify";

/** The dashboard's build output, next to this package in the monorepo. */
export const defaultDashboardDir = fileURLToPath(new URL("../../../dashboard/dist/", import.meta.url));

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

/** Paths that belong to the API, never to the single-page app. */
const apiPrefixes = ["/v1/", "/docs", "/openapi", "/health", "/metrics"];

/**
 * Serves the dashboard's static files at `/`, with index.html for client-side routes. Hashed
 * assets are cached for a year; index.html never, so a new build shows up on reload.
 */
export function serveDashboard(app: FastifyInstance, dir: string): void {
  if (!existsSync(join(dir, "index.html"))) {
    app.get("/", { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type("text/plain; charset=utf-8")
        .send("Wrenn control plane. The dashboard is not built (npm run build --workspace @wrenn/dashboard). API docs: /docs\n"),
    );
    return;
  }
  const root = normalize(dir + sep);
  app.get("/*", { schema: { hide: true } }, async (request, reply) => {
    const path = decodeURIComponent(request.url.split("?")[0] ?? "/");
    if (apiPrefixes.some((p) => path.startsWith(p))) throw new WrennError("not_found", `no route GET ${path}`);
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) throw new WrennError("not_found", "not found");
    const isAsset = existsSync(file) && statSync(file).isFile();
    if (!isAsset) {
      // A missing file with an extension is a real 404; anything else is a client-side route.
      if (extname(path) !== "") throw new WrennError("not_found", `no file ${path}`);
      file = join(root, "index.html");
    }
    const immutable = isAsset && path.startsWith("/assets/");
    return reply
      .type(contentTypes[extname(file)] ?? "application/octet-stream")
      .header("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache")
      .send(createReadStream(file));
  });
}
