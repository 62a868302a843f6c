import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { WrennError } from "@wrenn/core";
import { ProcessConfigSchema } from "@wrenn/proto/envd/process";
import { EnvdState } from "../state.js";
import type { UserInfo } from "../users.js";
import { DEFAULT_PATH, launchSpec } from "./launch.js";

describe("launchSpec", () => {
  let home: string;
  let user: UserInfo;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), "wrenn-home-"));
    user = { name: "me", uid: process.getuid!(), gid: process.getgid!(), home, shell: "/bin/sh" };
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  const config = (init: Parameters<typeof create<typeof ProcessConfigSchema>>[1]) => create(ProcessConfigSchema, init);

  it("layers env: defaults < /init env vars < request envs", () => {
    const state = new EnvdState();
    state.envVars = { A: "init", B: "init", HOME: "/elsewhere" };
    const spec = launchSpec(config({ cmd: "true", envs: { B: "req" } }), user, state);
    expect(spec.env).toEqual({ PATH: DEFAULT_PATH, HOME: "/elsewhere", USER: "me", LOGNAME: "me", SHELL: "/bin/sh", A: "init", B: "req" });
  });

  it("looks the command up on the PATH the process will get", () => {
    const spec = launchSpec(config({ cmd: "sh", envs: { PATH: "/bin" } }), user, new EnvdState());
    expect(spec.file).toBe("/bin/sh");
    expect(spec.argv0).toBe("sh");
  });

  it("picks the cwd: request, else /init's workdir, else home, else /", () => {
    const state = new EnvdState();
    expect(launchSpec(config({ cmd: "true", cwd: "/tmp" }), user, state).cwd).toBe("/tmp");
    expect(launchSpec(config({ cmd: "true", cwd: "~" }), user, state).cwd).toBe(home);
    expect(launchSpec(config({ cmd: "true" }), user, state).cwd).toBe(home);
    state.defaultWorkdir = "/tmp";
    expect(launchSpec(config({ cmd: "true" }), user, state).cwd).toBe("/tmp");
    state.defaultWorkdir = "/no/such/dir";
    expect(launchSpec(config({ cmd: "true" }), { ...user, home: "/no/such/home" }, state).cwd).toBe("/");
  });

  it("only sets uid/gid for a different user", () => {
    expect(launchSpec(config({ cmd: "true" }), user, new EnvdState()).uid).toBeUndefined();
  });

  it("rejects bad input with messages that name it", () => {
    const state = new EnvdState();
    const cases: Array<[Parameters<typeof config>[0], RegExp]> = [
      [{ cmd: "" }, /process\.cmd is required/],
      [{ cmd: "true", args: ["a\0b"] }, /args\[0\] must not contain NUL/],
      [{ cmd: "true", envs: { "": "x" } }, /env var name/],
      [{ cmd: "true", cwd: "/no/such/dir" }, /cwd "\/no\/such\/dir" does not exist/],
    ];
    for (const [init, message] of cases) {
      expect(() => launchSpec(config(init), user, state)).toThrow(message);
      try {
        launchSpec(config(init), user, state);
      } catch (err) {
        expect(WrennError.is(err, "invalid_request")).toBe(true);
      }
    }
  });
});
