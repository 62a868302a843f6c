/** A Wrennfile read into what POST /v1/builds takes. */
export interface Wrennfile {
  /** FROM, default "minimal". */
  baseTemplate: string;
  /** Recipe lines as the API takes them (RUN, ENV, WORKDIR, USER, COPY, START). */
  recipe: string[];
  /** HEALTHCHECK's flags and command, as the API takes them. */
  healthcheck: string | undefined;
  /** Every COPY source, relative to the Wrennfile's directory (for the archive). */
  copySources: string[];
}

export class WrennfileError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`Wrennfile line ${line}: ${message}`);
  }
}

const STEPS = ["RUN", "ENV", "WORKDIR", "USER", "COPY", "START"];

/** Physical lines joined where one ends with a backslash; each with the number it starts on. */
function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let current: { line: number; text: string } | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const continued = raw.endsWith("\\");
    const body = continued ? raw.slice(0, -1) : raw;
    if (current) current.text = `${current.text.trimEnd()} ${body.trim()}`;
    else current = { line: i + 1, text: body };
    if (!continued) {
      out.push(current);
      current = undefined;
    }
  });
  if (current) out.push(current);
  return out;
}

function copyWords(args: string, line: number): string[] {
  if (args.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(args);
    } catch {
      throw new WrennfileError(line, 'COPY ["src", …, "dst"] must be a JSON array of strings');
    }
    if (!Array.isArray(parsed) || parsed.some((w) => typeof w !== "string")) throw new WrennfileError(line, 'COPY ["src", …, "dst"] must be a JSON array of strings');
    return parsed as string[];
  }
  return args.split(/\s+/).filter(Boolean);
}

function checkSource(src: string, line: number): string {
  const parts = src.split("/").filter((p) => p && p !== ".");
  if (src.startsWith("/") || parts.includes("..")) throw new WrennfileError(line, `COPY source "${src}" must be a path inside the Wrennfile's directory`);
  if (parts.length === 0) return ".";
  return parts.join("/");
}

/**
 * Parses a Wrennfile: one instruction per line, `#` comments, `\` continues a line.
 * FROM sets the base template, HEALTHCHECK the healthcheck; everything else is a step.
 */
export function parseWrennfile(text: string): Wrennfile {
  const result: Wrennfile = { baseTemplate: "minimal", recipe: [], healthcheck: undefined, copySources: [] };
  let sawFrom = false;
  for (const { line, text: raw } of logicalLines(text)) {
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith("#")) continue;
    const word = /^\S+/.exec(trimmed)?.[0] ?? "";
    const instruction = word.toUpperCase();
    const args = trimmed.slice(word.length).trim();
    if (!args) throw new WrennfileError(line, `${instruction} needs arguments`);
    if (instruction === "FROM") {
      if (sawFrom) throw new WrennfileError(line, "FROM may appear only once");
      sawFrom = true;
      result.baseTemplate = args;
    } else if (instruction === "HEALTHCHECK") {
      if (result.healthcheck !== undefined) throw new WrennfileError(line, "HEALTHCHECK may appear only once");
      result.healthcheck = args;
    } else if (STEPS.includes(instruction)) {
      if (instruction === "COPY") {
        const words = copyWords(args, line);
        if (words.length < 2) throw new WrennfileError(line, "COPY needs at least one source and a destination: COPY <src>... <dst>");
        for (const src of words.slice(0, -1)) {
          const path = checkSource(src, line);
          if (!result.copySources.includes(path)) result.copySources.push(path);
        }
      }
      result.recipe.push(`${instruction} ${args}`);
    } else {
      throw new WrennfileError(line, `unknown instruction "${word.slice(0, 40)}"; use FROM, ${STEPS.join(", ")} or HEALTHCHECK`);
    }
  }
  if (result.recipe.length === 0) throw new WrennfileError(1, "the Wrennfile has no steps");
  return result;
}
