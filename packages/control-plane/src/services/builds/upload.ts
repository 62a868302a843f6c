import { WrennError } from "@wrenn/core";
import type { FastifyRequest } from "fastify";
import { archiveFormat, BuildInput, MAX_ARCHIVE_BYTES, type Archive, type BuildInputValue } from "./create.js";

const tooLarge = (): WrennError => new WrennError("too_large", `the archive is larger than ${MAX_ARCHIVE_BYTES / 1048576} MB`);

function readLimited(file: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    file.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_ARCHIVE_BYTES) chunks.push(chunk);
      else chunks.length = 0;
    });
    file.once("error", reject);
    // Past the limit the rest is read and dropped, so the client gets a clean 413.
    file.once("end", () => (size > MAX_ARCHIVE_BYTES ? reject(tooLarge()) : resolve(Buffer.concat(chunks, size))));
  });
}

function fieldsToInput(fields: Record<string, string>): BuildInputValue {
  let recipe: unknown = fields.recipe;
  try {
    recipe = fields.recipe === undefined ? undefined : JSON.parse(fields.recipe);
  } catch {
    throw new WrennError("invalid_request", 'the recipe field must be a JSON array of strings, e.g. ["RUN echo hi"]');
  }
  const num = (v: string | undefined): number | undefined => (v === undefined || v === "" ? undefined : Number(v));
  const raw = {
    name: fields.name,
    ...(fields.base_template !== undefined ? { base_template: fields.base_template } : {}),
    recipe,
    ...(fields.healthcheck ? { healthcheck: fields.healthcheck } : {}),
    ...(num(fields.vcpus) !== undefined ? { vcpus: num(fields.vcpus) } : {}),
    ...(num(fields.memory_mb) !== undefined ? { memory_mb: num(fields.memory_mb) } : {}),
  };
  return checkInput(raw);
}

export function checkInput(raw: unknown): BuildInputValue {
  const parsed = BuildInput.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WrennError("invalid_request", `invalid ${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

/** A build request from JSON, or from multipart fields plus an `archive` file part. */
export async function readBuildRequest(request: FastifyRequest): Promise<{ input: BuildInputValue; archive: Archive | undefined }> {
  if (!request.isMultipart()) return { input: checkInput(request.body), archive: undefined };
  const fields: Record<string, string> = {};
  let archive: Archive | undefined;
  for await (const part of request.parts()) {
    if (part.type === "file") {
      if (part.fieldname !== "archive") {
        part.file.resume();
        throw new WrennError("invalid_request", `unexpected file part "${part.fieldname}"; send the archive in a part named archive`);
      }
      const bytes = await readLimited(part.file);
      if (bytes.length > 0) archive = { bytes, format: archiveFormat(bytes) };
    } else if (typeof part.value === "string") {
      fields[part.fieldname] = part.value;
    }
  }
  return { input: fieldsToInput(fields), archive };
}
