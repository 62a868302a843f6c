import { describe, expect, it } from "vitest";
import { WrennError } from "@wrenn/core";
import type { Logger } from "../log.js";
import { parseInitRequest, syncClock } from "./init.js";

const log: Logger = { info: () => {}, warn: () => {}, error: () => {} };

describe("parseInitRequest", () => {
  it("accepts the E2B shape and ignores unknown fields", () => {
    expect(
      parseInitRequest({
        accessToken: "tok",
        envVars: { A: "1", EMPTY: "" },
        defaultUser: "user",
        defaultWorkdir: "/home/user",
        timestamp: "2030-01-02T03:04:05.006Z",
        hyperloopIP: "10.0.0.1",
      }),
    ).toEqual({
      accessToken: "tok",
      envVars: { A: "1", EMPTY: "" },
      defaultUser: "user",
      defaultWorkdir: "/home/user",
      timestamp: Date.UTC(2030, 0, 2, 3, 4, 5, 6),
    });
  });

  it("treats null like a missing field", () => {
    expect(parseInitRequest({ accessToken: null, envVars: null })).toEqual({});
    expect(parseInitRequest({})).toEqual({});
  });

  it("takes timestamps as Unix milliseconds too", () => {
    expect(parseInitRequest({ timestamp: 1_900_000_000_000 }).timestamp).toBe(1_900_000_000_000);
  });

  it.each([
    [[], /must be a JSON object/],
    ["x", /must be a JSON object/],
    [{ accessToken: 5 }, /accessToken must be a non-empty string/],
    [{ accessToken: "" }, /accessToken must be a non-empty string/],
    [{ envVars: ["A=1"] }, /envVars must be an object/],
    [{ envVars: { A: 1 } }, /envVars\.A must be a string/],
    [{ envVars: { "A=B": "1" } }, /not a valid variable name/],
    [{ defaultUser: {} }, /defaultUser must be/],
    [{ defaultWorkdir: "a\0b" }, /defaultWorkdir must be/],
    [{ timestamp: "yesterday" }, /timestamp must be/],
    [{ timestamp: 1_700_000_000 }, /timestamp must be/],
  ])("rejects %j", (body, message) => {
    let caught: unknown;
    try {
      parseInitRequest(body);
    } catch (err) {
      caught = err;
    }
    expect(WrennError.is(caught, "invalid_request")).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });
});

describe("syncClock", () => {
  const now = () => 1_900_000_000_000;

  it("never touches the clock in --dev", async () => {
    let set = 0;
    const outcome = await syncClock(now() + 3_600_000, { dev: true, log, now, setClock: async () => void set++ });
    expect(outcome).toBe("dev");
    expect(set).toBe(0);
  });

  it("leaves a clock within a second alone", async () => {
    let set = 0;
    expect(await syncClock(now() - 500, { dev: false, log, now, setClock: async () => void set++ })).toBe("in_sync");
    expect(set).toBe(0);
  });

  it("sets a clock that is off, and survives a refusal", async () => {
    const seen: number[] = [];
    expect(await syncClock(now() + 60_000, { dev: false, log, now, setClock: async (ms) => void seen.push(ms) })).toBe("set");
    expect(seen).toEqual([now() + 60_000]);
    const refuse = async (): Promise<void> => {
      throw new Error("date: cannot set date: Operation not permitted");
    };
    expect(await syncClock(now() - 60_000, { dev: false, log, now, setClock: refuse })).toBe("failed");
  });
});
