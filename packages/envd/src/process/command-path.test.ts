import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WrennError } from "@wrenn/core";
import { resolveCommand } from "./command-path.js";

describe("resolveCommand", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "wrenn-cmd-"));
    mkdirSync(join(dir, "bin"));
    mkdirSync(join(dir, "other"));
    writeFileSync(join(dir, "bin", "tool"), "#!/bin/sh\n");
    chmodSync(join(dir, "bin", "tool"), 0o755);
    writeFileSync(join(dir, "other", "tool"), "#!/bin/sh\n");
    writeFileSync(join(dir, "other", "plain"), "data");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const fails = (fn: () => unknown, code: string, message: RegExp): void => {
    try {
      fn();
    } catch (err) {
      expect(WrennError.is(err, code as never), String(err)).toBe(true);
      expect((err as Error).message).toMatch(message);
      return;
    }
    throw new Error("expected an error");
  };

  it("finds a bare name on PATH, skipping entries that are not executable", () => {
    expect(resolveCommand("tool", `${dir}/other:${dir}/bin`, "/")).toBe(`${dir}/bin/tool`);
    expect(resolveCommand("sh", "/usr/bin:/bin", "/")).toMatch(/\/sh$/);
  });

  it("resolves names with a slash against the cwd", () => {
    expect(resolveCommand("./bin/tool", "", dir)).toBe(`${dir}/bin/tool`);
    expect(resolveCommand(`${dir}/bin/tool`, "", "/")).toBe(`${dir}/bin/tool`);
  });

  it("says what is wrong with a command it cannot run", () => {
    fails(() => resolveCommand("nope", `${dir}/bin`, "/"), "not_found", /"nope" not found on PATH .*absolute path/);
    fails(() => resolveCommand("/no/such/file", "", "/"), "not_found", /no such file/);
    fails(() => resolveCommand(`${dir}/bin`, "", "/"), "invalid_request", /is a directory/);
    fails(() => resolveCommand(`${dir}/other/plain`, "", "/"), "invalid_request", /not executable/);
    fails(() => resolveCommand("plain", `${dir}/other`, "/"), "invalid_request", /not executable/);
  });
});
