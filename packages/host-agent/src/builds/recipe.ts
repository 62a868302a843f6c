import { WrennError, isTemplateName } from "@wrenn/core";
import { splitWords, expandVars, WordsError } from "./words.js";

export const INSTRUCTIONS = ["RUN", "ENV", "WORKDIR", "USER", "COPY", "START"] as const;
export type Instruction = (typeof INSTRUCTIONS)[number];

export const DEFAULT_STEP_TIMEOUT_SEC = 600;
export const MAX_STEP_TIMEOUT_SEC = 6 * 3600;
export const MAX_STEPS = 500;
/** The control plane accepts archives up to 100 MB; a little room for framing. */
export const MAX_ARCHIVE_BYTES = 110 * 1024 * 1024;

export const HEALTHCHECK_DEFAULTS = { intervalSec: 2, timeoutSec: 10, startPeriodSec: 0, retries: 10 };

export interface RecipeStep {
  /** 1-based, as users count steps. */
  number: number;
  instruction: Instruction;
  args: string;
  timeoutSec: number;
}

export interface HealthcheckSpec {
  cmd: string;
  intervalSec: number;
  timeoutSec: number;
  startPeriodSec: number;
  retries: number;
}

/** A BuildTemplate request as the builder takes it (plain values, not wire messages). */
export interface BuildRequest {
  buildId: string;
  name: string;
  baseTemplate: string;
  steps: { instruction: string; args: string; timeoutSec: number }[];
  healthcheck?: { cmd: string; intervalSec: number; timeoutSec: number; startPeriodSec: number; retries: number };
  vcpus: number;
  memoryMb: number;
  archive: Uint8Array;
  archiveFormat: string;
}

export interface Recipe {
  buildId: string;
  name: string;
  baseTemplate: string;
  steps: RecipeStep[];
  healthcheck: HealthcheckSpec | undefined;
  vcpus: number;
  memoryMb: number;
  archive: { bytes: Uint8Array; format: string } | undefined;
}

/** A build that cannot go on; `step` is the 1-based step at fault (0 = none). */
export class BuildFailure extends Error {
  constructor(
    readonly step: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Checks a request before anything is started: names, step instructions and the syntax
 * of their arguments, limits. Anything wrong fails here, naming the step.
 */
export function parseRecipe(req: BuildRequest): Recipe {
  if (!isTemplateName(req.name)) {
    throw new BuildFailure(0, `name "${req.name.slice(0, 80)}" is not a valid template name: 1-64 characters from a-z A-Z 0-9 . _ -, starting with a letter or digit`);
  }
  if (!isTemplateName(req.baseTemplate)) throw new BuildFailure(0, `base_template "${req.baseTemplate.slice(0, 80)}" is not a valid template name`);
  if (req.steps.length > MAX_STEPS) throw new BuildFailure(0, `a recipe has at most ${MAX_STEPS} steps, this one has ${req.steps.length}`);
  if (req.archive.length > MAX_ARCHIVE_BYTES) throw new BuildFailure(0, `the archive is ${req.archive.length} bytes; at most ${MAX_ARCHIVE_BYTES} are accepted`);
  const steps = req.steps.map((raw, i) => parseStep(raw, i + 1, req.archive.length > 0));
  const healthcheck = req.healthcheck?.cmd.trim() ? parseHealthcheck(req.healthcheck, steps.length + 1) : undefined;
  return {
    buildId: req.buildId,
    name: req.name,
    baseTemplate: req.baseTemplate,
    steps,
    healthcheck,
    vcpus: req.vcpus,
    memoryMb: req.memoryMb,
    archive: req.archive.length > 0 ? { bytes: req.archive, format: req.archiveFormat } : undefined,
  };
}

function parseStep(raw: BuildRequest["steps"][number], number: number, hasArchive: boolean): RecipeStep {
  const instruction = raw.instruction.trim().toUpperCase();
  const fail = (message: string): BuildFailure => new BuildFailure(number, `step ${number} (${instruction || "?"}): ${message}`);
  if (!(INSTRUCTIONS as readonly string[]).includes(instruction)) {
    throw new BuildFailure(number, `step ${number}: unknown instruction "${raw.instruction.slice(0, 40)}"; use one of ${INSTRUCTIONS.join(", ")}`);
  }
  const args = raw.args.trim();
  if (!args) throw fail("needs arguments");
  if (args.includes("\0")) throw fail("arguments must not contain NUL bytes");
  if (raw.timeoutSec > MAX_STEP_TIMEOUT_SEC) throw fail(`timeout is ${raw.timeoutSec} s; at most ${MAX_STEP_TIMEOUT_SEC} s`);
  const step: RecipeStep = { number, instruction: instruction as Instruction, args, timeoutSec: raw.timeoutSec || DEFAULT_STEP_TIMEOUT_SEC };
  try {
    // Syntax only: values are expanded against the build's environment when the step runs.
    if (step.instruction === "ENV") parseEnv(args, {});
    if (step.instruction === "COPY") {
      if (!hasArchive) throw fail("COPY takes files from the build's archive, and this build has none: upload a tar, tar.gz or zip with it");
      if (copyWords(args, {}).length < 2) throw fail("COPY needs at least one source and a destination: COPY <src>... <dst>");
    }
    if (step.instruction === "USER" && !args.includes("$")) userName(args);
    if (step.instruction === "WORKDIR" && splitWords(args, {}).length !== 1) throw fail("WORKDIR takes one path");
  } catch (err) {
    if (err instanceof BuildFailure) throw err;
    throw fail((err as Error).message);
  }
  return step;
}

function parseHealthcheck(raw: NonNullable<BuildRequest["healthcheck"]>, number: number): HealthcheckSpec {
  const d = HEALTHCHECK_DEFAULTS;
  const spec = {
    cmd: raw.cmd.trim(),
    intervalSec: raw.intervalSec || d.intervalSec,
    timeoutSec: raw.timeoutSec || d.timeoutSec,
    startPeriodSec: raw.startPeriodSec || d.startPeriodSec,
    retries: raw.retries || d.retries,
  };
  const limits: [keyof typeof spec, number][] = [["intervalSec", 3600], ["timeoutSec", 3600], ["startPeriodSec", 3600], ["retries", 1000]];
  for (const [field, max] of limits) {
    if ((spec[field] as number) > max) throw new BuildFailure(number, `healthcheck ${field} is ${spec[field]}; at most ${max}`);
  }
  return spec;
}

/** `ENV K=V [K2=V2 …]` or `ENV K V…`, values expanded against `env` (the build's, before this step). */
export function parseEnv(args: string, env: Record<string, string>): [string, string][] {
  const words = splitWords(args, env);
  const pairs: [string, string][] = [];
  if (words[0]?.includes("=")) {
    for (const word of words) {
      const eq = word.indexOf("=");
      if (eq < 0) throw new WordsError(`"${word}" is not KEY=VALUE: write ENV KEY=VALUE [KEY2=VALUE2 …]`);
      pairs.push([word.slice(0, eq), word.slice(eq + 1)]);
    }
  } else {
    const key = /^\S+/.exec(args)?.[0] ?? "";
    const rest = args.slice(key.length).trim();
    if (!rest) throw new WordsError(`ENV ${key} has no value: write ENV ${key}=VALUE`);
    pairs.push([key, expandVars(rest, env)]);
  }
  for (const [key] of pairs) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new WordsError(`"${key}" is not a valid variable name (letters, digits and _, not starting with a digit)`);
  }
  return pairs;
}

/** COPY's words: a JSON array (`["a b", "dst"]`) or shell-like words, expanded. */
export function copyWords(args: string, env: Record<string, string>): string[] {
  if (args.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(args);
    } catch {
      throw new WordsError('COPY ["src", …, "dst"] must be a JSON array of strings');
    }
    if (!Array.isArray(parsed) || parsed.some((w) => typeof w !== "string")) throw new WordsError('COPY ["src", …, "dst"] must be a JSON array of strings');
    return (parsed as string[]).map((w) => expandVars(w, env));
  }
  return splitWords(args, env);
}

/** A user name the capsule can have (as `useradd` takes them). */
export function userName(text: string): string {
  const name = text.trim();
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(name)) {
    throw new WordsError(`"${name.slice(0, 40)}" is not a valid user name: 1-32 characters from a-z 0-9 _ -, starting with a letter or _`);
  }
  return name;
}

/** A request for the builder from wire-level values, throwing WrennError for what is not even a build. */
export function checkBuildId(id: string): string {
  if (id.length > 128 || id.includes("\0")) throw new WrennError("invalid_request", "build_id must be at most 128 characters without NUL bytes");
  return id;
}
