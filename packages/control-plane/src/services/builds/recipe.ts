import { WrennError } from "@wrenn/core";
import type { BuildHealthcheckRow, BuildStepRow } from "@wrenn/db";

export const BUILD_INSTRUCTIONS = ["RUN", "ENV", "WORKDIR", "USER", "COPY", "START"] as const;
export const MAX_RECIPE_STEPS = 500;
export const MAX_STEP_TIMEOUT_SEC = 6 * 3600;
const MAX_LINE_CHARS = 16 * 1024;

/** `30s`, `5m`, `1h`, `1500ms` or plain seconds, rounded up to whole seconds. */
export function parseDurationSec(text: string): number | undefined {
  const m = /^(\d{1,7})(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? "s";
  const sec = unit === "ms" ? Math.ceil(n / 1000) : unit === "s" ? n : unit === "m" ? n * 60 : n * 3600;
  return sec;
}

/** Leading `--key=value` flags of a line, and the rest. */
function splitFlags(text: string): { flags: [string, string][]; rest: string } {
  const flags: [string, string][] = [];
  let rest = text.trim();
  for (;;) {
    const m = /^--([a-z-]+)=(\S*)\s*/.exec(rest);
    if (!m) return { flags, rest };
    flags.push([m[1] as string, m[2] as string]);
    rest = rest.slice(m[0].length);
  }
}

const bad = (message: string): WrennError => new WrennError("invalid_request", message);

/**
 * Recipe lines (`RUN [--timeout=5m] cmd`, `ENV K=V`, …) into the steps the host agent takes.
 * Blank lines and `#` comments are skipped; the line number in errors counts every line.
 * The agent checks each step's argument syntax again before it starts anything.
 */
export function parseRecipe(lines: string[]): BuildStepRow[] {
  const steps: BuildStepRow[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const where = `recipe line ${i + 1}`;
    if (line.length > MAX_LINE_CHARS) throw bad(`${where} is longer than ${MAX_LINE_CHARS} characters`);
    if (line.includes("\0")) throw bad(`${where} contains a NUL byte`);
    const word = /^\S+/.exec(line)?.[0] ?? "";
    const instruction = word.toUpperCase();
    let args = line.slice(word.length).trim();
    if (instruction === "HEALTHCHECK" || instruction === "FROM") {
      throw bad(`${where}: ${instruction} is not a recipe step; send it as the ${instruction === "FROM" ? "base_template" : "healthcheck"} field`);
    }
    if (!(BUILD_INSTRUCTIONS as readonly string[]).includes(instruction)) {
      throw bad(`${where}: unknown instruction "${word.slice(0, 40)}"; use one of ${BUILD_INSTRUCTIONS.join(", ")}`);
    }
    let timeoutSec = 0;
    if (instruction === "RUN") {
      const { flags, rest } = splitFlags(args);
      for (const [key, value] of flags) {
        const sec = key === "timeout" ? parseDurationSec(value) : undefined;
        if (sec === undefined || sec < 1 || sec > MAX_STEP_TIMEOUT_SEC) {
          throw bad(`${where}: bad flag --${key}=${value}; RUN takes --timeout=<duration> (e.g. 30s, 5m, 1h; at most 6h)`);
        }
        timeoutSec = sec;
      }
      args = rest;
    }
    if (!args) throw bad(`${where}: ${instruction} needs arguments`);
    steps.push({ instruction, args, timeout_sec: timeoutSec });
  });
  if (steps.length === 0) throw bad("the recipe has no steps");
  if (steps.length > MAX_RECIPE_STEPS) throw bad(`a recipe has at most ${MAX_RECIPE_STEPS} steps; this one has ${steps.length}`);
  return steps;
}

/** `[--interval=5s] [--timeout=3s] [--start-period=10s] [--retries=N] cmd`. */
export function parseHealthcheck(text: string): BuildHealthcheckRow {
  const { flags, rest } = splitFlags(text);
  const spec: BuildHealthcheckRow = { cmd: rest, interval_sec: 0, timeout_sec: 0, start_period_sec: 0, retries: 0 };
  const fields: Record<string, keyof BuildHealthcheckRow> = { interval: "interval_sec", timeout: "timeout_sec", "start-period": "start_period_sec" };
  for (const [key, value] of flags) {
    if (key === "retries") {
      if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > 1000) throw bad(`healthcheck: --retries=${value} must be 1-1000`);
      spec.retries = Number(value);
      continue;
    }
    const field = fields[key];
    const sec = parseDurationSec(value);
    if (!field) throw bad(`healthcheck: unknown flag --${key}; use --interval, --timeout, --start-period or --retries`);
    if (sec === undefined || sec > 3600) throw bad(`healthcheck: --${key}=${value} is not a duration up to 1h (e.g. 5s, 1m)`);
    (spec[field] as number) = sec;
  }
  if (!spec.cmd) throw bad("healthcheck: the command is missing");
  if (spec.cmd.includes("\0")) throw bad("healthcheck: the command contains a NUL byte");
  return spec;
}

/** The instruction line as users wrote it (for logs and the API). */
export function stepLine(step: BuildStepRow): string {
  const timeout = step.timeout_sec ? `--timeout=${step.timeout_sec}s ` : "";
  return `${step.instruction} ${timeout}${step.args}`;
}
