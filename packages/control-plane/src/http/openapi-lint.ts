/**
 * Checks the generated OpenAPI document for what API users rely on: every operation has a
 * summary, a schema for each body and response, and an example for each JSON request body
 * and success response. Returns one line per problem (empty = fine).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking an untyped JSON document
type Json = Record<string, any>;

function resolve(doc: Json, schema: Json | undefined): Json | undefined {
  if (!schema) return undefined;
  const ref = schema.$ref as string | undefined;
  if (!ref) return schema;
  const name = ref.split("/").pop()!;
  return doc.components?.schemas?.[name] as Json | undefined;
}

function hasExample(doc: Json, media: Json | undefined): boolean {
  if (!media) return false;
  if (media.example !== undefined || media.examples !== undefined) return true;
  const schema = resolve(doc, media.schema as Json | undefined);
  if (!schema) return false;
  if (schema.example !== undefined || (Array.isArray(schema.examples) && schema.examples.length > 0)) return true;
  // Arrays are documented by their items' example.
  if (schema.type === "array") return hasExample(doc, { schema: schema.items });
  return false;
}

export function lintOpenApi(doc: Json): string[] {
  const problems: string[] = [];
  for (const [path, ops] of Object.entries<Json>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries<Json>(ops)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      const where = `${method.toUpperCase()} ${path}`;
      if (!op.summary) problems.push(`${where}: no summary`);
      const json = op.requestBody?.content?.["application/json"];
      if (json && !hasExample(doc, json)) problems.push(`${where}: request body has no example`);
      const responses = Object.entries<Json>(op.responses ?? {});
      const success = responses.filter(([status]) => status.startsWith("2") || status === "101");
      if (success.length === 0) problems.push(`${where}: no success response schema`);
      for (const [status, res] of success) {
        const content = res.content as Json | undefined;
        if (!content) continue; // 204 and friends
        for (const [type, media] of Object.entries<Json>(content)) {
          if (type === "application/json" && !hasExample(doc, media)) problems.push(`${where}: ${status} response has no example`);
        }
      }
      if (!responses.some(([status]) => status.startsWith("4") || status.startsWith("5"))) problems.push(`${where}: no documented error response`);
    }
  }
  return problems;
}
