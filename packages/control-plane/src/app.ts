import { randomBytes } from "node:crypto";
import multipart from "@fastify/multipart";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import websocket from "@fastify/websocket";
import { WRENN_VERSION } from "@wrenn/core";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { Histogram } from "prom-client";
import type { Deps } from "./deps.js";
import { installErrorHandling } from "./http/errors.js";
import { hostPortRewriter } from "./http/host-ports.js";
import { registerRoutes } from "./routes/index.js";
import { defaultDashboardDir, serveDashboard } from "./http/static.js";

/** Request bodies above this are refused with 413 (files have their own multipart limits). */
export const JSON_BODY_LIMIT = 1024 * 1024;

const requestIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

declare module "fastify" {
  interface FastifyInstance {
    /** Routes registered without a schema (must stay empty outside plugin internals). */
    routesWithoutSchema: string[];
  }
}

export interface BuildAppOptions {
  /** A pino logger shared with background workers; default: a new one at the configured level. */
  loggerInstance?: FastifyBaseLogger;
}

/** The whole public HTTP surface on one Fastify instance; listening is the caller's job. */
export async function buildApp(deps: Deps, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: { level: deps.config.logLevel } }),
    bodyLimit: JSON_BODY_LIMIT,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && requestIdPattern.test(given) ? given : `req-${randomBytes(8).toString("hex")}`;
    },
    // Only behind a known proxy may X-Forwarded-For name the client (rate limits key on it).
    trustProxy: deps.config.trustProxy ?? false,
    // Capsule and host-based port URLs are case-sensitive ids; keep paths exact.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // `{port}-{capsuleId}.{domain}` hosts reach the capsule's port, never the API.
    rewriteUrl: hostPortRewriter(deps.config.domain),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest("wrennAuth", null);
  // Every public route documents itself; the OpenAPI test reads this list.
  const routesWithoutSchema: string[] = [];
  app.decorate("routesWithoutSchema", routesWithoutSchema);
  app.addHook("onRoute", (route) => {
    const schema = route.schema as { hide?: boolean } | undefined;
    if (!schema) routesWithoutSchema.push(`${String(route.method)} ${route.url}`);
  });
  installErrorHandling(app);
  // Clients often send `content-type: application/json` on bodiless DELETE/POST calls: an
  // empty body means "no body", not a parse error.
  const jsonParser = app.getDefaultJsonParser("error", "error");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text === "") {
      done(null, undefined);
      return;
    }
    jsonParser(request, text, done);
  });

  app.addHook("onRequest", async (request, reply) => {
    void reply.header("x-request-id", request.id);
  });
  const httpDuration = new Histogram({
    name: "wrenn_http_request_duration_seconds",
    help: "Control plane HTTP request duration by route and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [deps.metrics],
  });
  app.addHook("onResponse", async (request, reply) => {
    httpDuration.observe({ method: request.method, route: request.routeOptions.url ?? "unmatched", status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Wrenn API",
        version: WRENN_VERSION,
        description: "Secure sandboxes (capsules) for AI agents. Authenticate with `X-API-Key: wrn_…` or `Authorization: Bearer <JWT>`.",
      },
      components: {
        securitySchemes: {
          apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
          bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        },
      },
      security: [{ apiKey: [] }, { bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  await app.register(websocket, { options: { maxPayload: 4 * 1024 * 1024 } });
  await app.register(multipart, { limits: { fileSize: Number.MAX_SAFE_INTEGER, files: 1, fields: 10, fieldSize: 64 * 1024 } });
  await app.register(rateLimit, { global: false });

  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  app.get("/openapi.yaml", { schema: { hide: true } }, async (_request, reply) => reply.type("application/yaml").send(app.swagger({ yaml: true })));

  await registerRoutes(app, deps);
  serveDashboard(app, deps.config.dashboardDir ?? defaultDashboardDir);
  return app;
}
