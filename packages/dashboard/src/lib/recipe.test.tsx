// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { checkRecipe, recipeLines } from "./recipe";

describe("recipes", () => {
  it("keep instruction lines, dropping blanks and comments", () => {
    expect(recipeLines("# setup\nRUN apt-get update\n\n  ENV A=1  \n")).toEqual(["RUN apt-get update", "ENV A=1"]);
  });
  it("accept every instruction, in any case", () => {
    expect(checkRecipe("RUN echo hi\nenv A=1\nWORKDIR /app\nUSER user\nSTART sleep 1", false)).toEqual([]);
  });
  it("point at unknown instructions and missing arguments by line", () => {
    expect(checkRecipe("RUN echo\nAPT install x\nWORKDIR", false)).toEqual([
      { line: 2, message: 'unknown instruction "APT"; use RUN, ENV, WORKDIR, USER, COPY, START' },
      { line: 3, message: "WORKDIR needs arguments" },
    ]);
  });
  it("send FROM and HEALTHCHECK to their own fields", () => {
    expect(checkRecipe("FROM python\nHEALTHCHECK curl x", false).map((p) => p.message)).toEqual([
      "FROM is the base template field, not a recipe step",
      "HEALTHCHECK goes in the healthcheck field",
    ]);
  });
  it("need an archive for COPY and at least one step", () => {
    expect(checkRecipe("COPY app /app", false)).toEqual([{ line: 1, message: "COPY takes files from an archive: attach one" }]);
    expect(checkRecipe("COPY app /app", true)).toEqual([]);
    expect(checkRecipe("# nothing\n", false)).toEqual([{ line: 0, message: "the recipe needs at least one instruction" }]);
  });
});
