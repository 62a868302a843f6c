import { describe, expect, it } from "vitest";
import { WrennError } from "@wrenn/core";
import { checkAccessToken } from "./auth.js";
import { EnvdState } from "./state.js";

describe("checkAccessToken", () => {
  const header = (value?: string) => (name: string) => (name === "x-access-token" ? value : undefined);

  it("lets everything through until a token is set", () => {
    expect(() => checkAccessToken(new EnvdState(), header())).not.toThrow();
  });

  it("requires the exact token once set", () => {
    const state = new EnvdState();
    state.accessToken = "secret-token";
    expect(() => checkAccessToken(state, header("secret-token"))).not.toThrow();
    expect(() => checkAccessToken(state, header())).toThrow(/missing access token/);
    expect(() => checkAccessToken(state, header("secret-tokeN"))).toThrow(/invalid access token/);
    expect(() => checkAccessToken(state, header("secret-token-longer"))).toThrow(WrennError);
  });
});
