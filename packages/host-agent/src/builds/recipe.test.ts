import { describe, expect, it } from "vitest";
import { BuildFailure, copyWords, parseEnv, parseRecipe, type BuildRequest } from "./recipe.js";

const request = (steps: BuildRequest["steps"], extra: Partial<BuildRequest> = {}): BuildRequest => ({
  buildId: "bld-1",
  name: "my-env",
  baseTemplate: "python",
  steps,
  vcpus: 1,
  memoryMb: 512,
  archive: new Uint8Array(),
  archiveFormat: "",
  ...extra,
});
const step = (instruction: string, args: string, timeoutSec = 0) => ({ instruction, args, timeoutSec });
const failure = (fn: () => unknown): BuildFailure => {
  try {
    fn();
  } catch (err) {
    if (err instanceof BuildFailure) return err;
    throw err;
  }
  throw new Error("expected a BuildFailure");
};

describe("recipe checks", () => {
  it("numbers steps from 1, upper-cases instructions and fills in defaults", () => {
    const recipe = parseRecipe(request([step("run", "echo hi"), step("RUN", "sleep 1", 5)], { healthcheck: { cmd: "true", intervalSec: 0, timeoutSec: 0, startPeriodSec: 0, retries: 3 } }));
    expect(recipe.steps).toEqual([
      { number: 1, instruction: "RUN", args: "echo hi", timeoutSec: 600 },
      { number: 2, instruction: "RUN", args: "sleep 1", timeoutSec: 5 },
    ]);
    expect(recipe.healthcheck).toEqual({ cmd: "true", intervalSec: 2, timeoutSec: 10, startPeriodSec: 0, retries: 3 });
    expect(recipe.archive).toBeUndefined();
  });

  it("refuses an unknown instruction, naming the step", () => {
    const err = failure(() => parseRecipe(request([step("RUN", "true"), step("FROM", "debian")])));
    expect(err.step).toBe(2);
    expect(err.message).toBe('step 2: unknown instruction "FROM"; use one of RUN, ENV, WORKDIR, USER, COPY, START');
  });

  it("checks arguments before anything runs", () => {
    expect(failure(() => parseRecipe(request([step("ENV", "1BAD=x")]))).message).toMatch(/step 1 \(ENV\): "1BAD" is not a valid variable name/);
    expect(failure(() => parseRecipe(request([step("ENV", "A=1 B")]))).message).toMatch(/"B" is not KEY=VALUE/);
    expect(failure(() => parseRecipe(request([step("USER", "Bad User")]))).message).toMatch(/is not a valid user name/);
    expect(failure(() => parseRecipe(request([step("COPY", "a b")]))).message).toMatch(/this build has none/);
    expect(failure(() => parseRecipe(request([step("COPY", "a")], { archive: new Uint8Array([1]) }))).message).toMatch(/at least one source and a destination/);
    expect(failure(() => parseRecipe(request([step("RUN", " ")]))).message).toMatch(/step 1 \(RUN\): needs arguments/);
    expect(failure(() => parseRecipe(request([step("RUN", "x", 99_999)]))).message).toMatch(/at most 21600 s/);
    expect(failure(() => parseRecipe(request([], { name: "../x" }))).step).toBe(0);
  });

  it("parses ENV in both forms, expanding against the environment before the step", () => {
    expect(parseEnv('A=1 B="two words" C=$A$HOME', { A: "0", HOME: "/h" })).toEqual([["A", "1"], ["B", "two words"], ["C", "0/h"]]);
    expect(parseEnv("GREETING hello  $WHO", { WHO: "you" })).toEqual([["GREETING", "hello  you"]]);
  });

  it("reads COPY arguments as words or as a JSON array", () => {
    expect(copyWords('a "b c" $D/', { D: "/dst" })).toEqual(["a", "b c", "/dst/"]);
    expect(copyWords('["a b", "$D"]', { D: "/dst" })).toEqual(["a b", "/dst"]);
  });
});
