import { isId, type IdKind } from "@wrenn/core";
import { z } from "zod";

/** The one error shape every route documents. */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: "snake_case machine code, e.g. not_found" }),
      message: z.string().meta({ description: "what went wrong and what to do" }),
      details: z.record(z.string(), z.unknown()).optional().meta({ description: "machine-readable particulars, e.g. capsule_ids for host_has_capsules" }),
    }),
  })
  .meta({ id: "Error", example: { error: { code: "not_found", message: "capsule cl-0123456789abcdefghijklmno not found" } } });

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 502 | 503 | 504;

/** Response schemas for the documented error statuses of a route. 400/401/500 are always included. */
export function errorResponses(...statuses: ErrorStatus[]): Record<number, typeof ErrorSchema> {
  const out: Record<number, typeof ErrorSchema> = {};
  for (const s of new Set<ErrorStatus>([400, 401, 500, ...statuses])) out[s] = ErrorSchema;
  return out;
}

/** A path/body id of a given kind, with a clear message when malformed. */
export function idOf(kind: IdKind, example: string): z.ZodString {
  return z
    .string()
    .refine((v) => isId(kind, v), { message: `not a valid ${kind} id (expected ${example.slice(0, example.indexOf("-") + 1)} followed by 25 lower-case letters or digits)` })
    .meta({ example }) as unknown as z.ZodString;
}

export const exampleIds = {
  capsule: "cl-4f9k2m8q1z7x3c6v5b0n2h8j1",
  user: "usr-7d2k9m4q1x8z3c6v5b0n2h8j1",
  team: "team-9a1k2m8q1z7x3c6v5b0n2h8j",
  apiKey: "key-3f9k2m8q1z7x3c6v5b0n2h8j1",
  host: "host-5f9k2m8q1z7x3c6v5b0n2h8j",
  audit: "log-6f9k2m8q1z7x3c6v5b0n2h8j1",
} as const;

/** `{ id }` path parameters for capsule routes. */
export const CapsuleParams = z.object({ id: idOf("capsule", exampleIds.capsule) });

export const NoContent = z.undefined().describe("no content");
