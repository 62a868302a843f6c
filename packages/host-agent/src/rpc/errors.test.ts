import { Code, ConnectError } from "@connectrpc/connect";
import { WrennError } from "@wrenn/core";
import { describe, expect, it } from "vitest";
import { toConnectError } from "./errors.js";

describe("toConnectError", () => {
  it("maps WrennError codes to Connect codes, keeping the message", () => {
    const cases: [WrennError["code"], Code][] = [
      ["not_found", Code.NotFound],
      ["invalid_state", Code.FailedPrecondition],
      ["invalid_request", Code.InvalidArgument],
      ["conflict", Code.AlreadyExists],
      ["too_large", Code.ResourceExhausted],
      ["timeout", Code.DeadlineExceeded],
      ["agent_error", Code.Unavailable],
      ["internal_error", Code.Internal],
    ];
    for (const [code, expected] of cases) {
      const err = toConnectError(new WrennError(code, `it was ${code}`));
      expect(err.code).toBe(expected);
      expect(err.rawMessage).toBe(`it was ${code}`);
    }
  });

  it("passes envd's ConnectErrors through with their code but without envd's response headers", () => {
    const envd = new ConnectError("no such file: /x", Code.NotFound, { "content-length": "42", "content-type": "application/json" });
    const err = toConnectError(envd);
    expect(err.code).toBe(Code.NotFound);
    expect(err.rawMessage).toBe("no such file: /x");
    expect([...err.metadata.keys()]).toEqual([]);
  });

  it("turns envd refusing the agent's token into Internal, not the caller's Unauthenticated", () => {
    const err = toConnectError(new ConnectError("invalid access token", Code.Unauthenticated));
    expect(err.code).toBe(Code.Internal);
    expect(err.rawMessage).toMatch(/agent's access token/);
  });

  it("maps an unreachable envd to Unavailable and anything else to Internal", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 10.0.0.2:49983"), { code: "ECONNREFUSED" });
    expect(toConnectError(refused).code).toBe(Code.Unavailable);
    expect(toConnectError(new Error("boom"))).toMatchObject({ code: Code.Internal, rawMessage: "boom" });
    expect(toConnectError("strange")).toMatchObject({ code: Code.Internal, rawMessage: "strange" });
  });
});
