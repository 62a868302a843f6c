import type { TemplateBuildSummary } from "@wrenn/db";
import { z } from "zod";
import { stepLine } from "./recipe.js";

export const buildExample = {
  id: "bld-4f9k2m8q1z7x3c6v5b0n2h8j1",
  name: "my-env",
  base_template: "python",
  recipe: ["RUN pip install requests", "ENV APP_ENV=prod", "WORKDIR /app", "START python -m http.server 8000"],
  healthcheck: "--interval=2s curl -fsS localhost:8000",
  vcpus: 1,
  memory_mb: 512,
  status: "running",
  current_step: 2,
  error: null,
  template: null,
  created_at: "2025-01-01T12:00:00.000Z",
  started_at: "2025-01-01T12:00:01.000Z",
  finished_at: null,
};

const buildFields = {
  id: z.string(),
  name: z.string().meta({ description: "the template it builds" }),
  base_template: z.string(),
  recipe: z.array(z.string()),
  healthcheck: z.string().nullable(),
  vcpus: z.number().int(),
  memory_mb: z.number().int(),
  status: z.enum(["pending", "running", "success", "failed", "cancelled"]),
  current_step: z.number().int().meta({ description: "1-based step running or last run (recipe steps + 1 = the healthcheck); 0 before the first" }),
  error: z.string().nullable().meta({ description: "on failure: the step, its command and the tail of its output" }),
  template: z.string().nullable().meta({ description: "the template name, once built" }),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
};

export const BuildSchema = z.object(buildFields).meta({ id: "Build", example: buildExample });
export const BuildDetailSchema = z
  .object({ ...buildFields, logs: z.string().meta({ description: "the build's output so far (the last 1 MiB)" }) })
  .meta({ id: "BuildDetail", example: { ...buildExample, logs: "==> step 1/4: RUN pip install requests\nCollecting requests\n" } });
export const BuildListSchema = z.array(BuildSchema).meta({ id: "BuildList", example: [buildExample] });

export type BuildJson = z.infer<typeof BuildSchema>;

function healthcheckLine(h: TemplateBuildSummary["healthcheck"]): string | null {
  if (!h) return null;
  const flags = [
    h.interval_sec ? `--interval=${h.interval_sec}s` : "",
    h.timeout_sec ? `--timeout=${h.timeout_sec}s` : "",
    h.start_period_sec ? `--start-period=${h.start_period_sec}s` : "",
    h.retries ? `--retries=${h.retries}` : "",
  ].filter(Boolean);
  return [...flags, h.cmd].join(" ");
}

export function buildJson(b: TemplateBuildSummary): BuildJson {
  return {
    id: b.id,
    name: b.name,
    base_template: b.base_template,
    recipe: b.recipe.map(stepLine),
    healthcheck: healthcheckLine(b.healthcheck),
    vcpus: b.vcpus,
    memory_mb: b.memory_mb,
    status: b.status,
    current_step: b.current_step,
    error: b.error,
    template: b.status === "success" ? b.name : null,
    created_at: b.created_at.toISOString(),
    started_at: b.started_at?.toISOString() ?? null,
    finished_at: b.finished_at?.toISOString() ?? null,
  };
}

export function buildDetailJson(b: TemplateBuildSummary): BuildJson & { logs: string } {
  return { ...buildJson(b), logs: b.logs };
}
