import type { HttpHandler } from "../context.js";
import { health } from "./health.js";

/** Plain HTTP endpoints by "METHOD /path"; everything else goes to Connect. */
export const httpRoutes: Record<string, HttpHandler> = {
  "GET /health": health,
};
