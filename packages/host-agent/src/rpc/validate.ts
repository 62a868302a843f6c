import { WrennError, isId, isTemplateName } from "@wrenn/core";

/** Longest path the agent passes on (Linux PATH_MAX). */
export const MAX_PATH_LENGTH = 4096;

const invalid = (message: string): WrennError => new WrennError("invalid_request", message);

export function capsuleId(value: string): string {
  if (!isId("capsule", value)) {
    throw invalid(
      value
        ? `capsule_id "${value.slice(0, 64)}" is not a capsule id: expected "cl-" followed by 25 lower-case letters or digits`
        : "capsule_id is required",
    );
  }
  return value;
}

export function command(cmd: string): string {
  if (!cmd.trim()) throw invalid('cmd is required: pass the program to run, e.g. "/bin/sh" with args ["-c", "..."]');
  if (cmd.includes("\0")) throw invalid("cmd must not contain NUL bytes");
  return cmd;
}

export function path(value: string, field = "path"): string {
  if (!value) throw invalid(`${field} is required: pass an absolute path, or one relative to the user's home`);
  if (value.length > MAX_PATH_LENGTH) throw invalid(`${field} is ${value.length} characters long; the limit is ${MAX_PATH_LENGTH}`);
  if (value.includes("\0")) throw invalid(`${field} must not contain NUL bytes`);
  return value;
}

export function templateName(value: string, field = "template"): string {
  if (!isTemplateName(value)) {
    throw invalid(`${field} "${value.slice(0, 80)}" is not a valid template name: 1-64 characters from a-z A-Z 0-9 . _ -, starting with a letter or digit`);
  }
  return value;
}

export function tag(value: string, field = "tag"): string {
  if (!value) throw invalid(`${field} is required`);
  if (value.length > 256 || value.includes("\0")) throw invalid(`${field} must be at most 256 characters without NUL bytes`);
  return value;
}

/** A process named by pid or tag. */
export function processSelector(
  selector: { selector: { case: "pid"; value: number } | { case: "tag"; value: string } | { case: undefined; value?: undefined } } | undefined,
): { selector: { case: "pid"; value: number } | { case: "tag"; value: string } } {
  const sel = selector?.selector;
  if (sel?.case === "pid" && sel.value > 0) return { selector: sel };
  if (sel?.case === "tag" && sel.value) return { selector: { case: "tag", value: tag(sel.value, "process.tag") } };
  throw invalid("process is required: name the process by pid (> 0) or by tag");
}

/** Terminal size; 0 means the default. */
export function terminalSize(cols: number, rows: number, defaults?: { cols: number; rows: number }): { cols: number; rows: number } {
  const c = cols || defaults?.cols || 0;
  const r = rows || defaults?.rows || 0;
  if (c < 1 || c > 1000 || r < 1 || r > 1000) throw invalid(`cols and rows must be between 1 and 1000 (got ${cols}x${rows})`);
  return { cols: c, rows: r };
}
