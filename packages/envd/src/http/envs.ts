import type { HttpHandler } from "../context.js";

/** `GET /envs`: the default env vars `/init` set, merged under every process's own. */
export const envs: HttpHandler = (_req, res, ctx) => {
  const body = JSON.stringify(ctx.state.envVars);
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
};
