import { describe, expect, it } from "vitest";
import { WrennError, isErrorCode } from "./errors.js";

describe("WrennError", () => {
  it("carries the code, its HTTP status and the documented JSON shape", () => {
    const err = new WrennError("not_found", "capsule cl-x not found", { cause: new Error("inner") });
    expect(err.httpStatus).toBe(404);
    expect(err.toJSON()).toEqual({ error: { code: "not_found", message: "capsule cl-x not found" } });
    expect(WrennError.is(err, "not_found")).toBe(true);
    expect(WrennError.is(err, "conflict")).toBe(false);
    expect((err.cause as Error).message).toBe("inner");
  });

  it("knows its closed set of codes", () => {
    expect(isErrorCode("too_large")).toBe(true);
    expect(isErrorCode("toString")).toBe(false);
  });
});
