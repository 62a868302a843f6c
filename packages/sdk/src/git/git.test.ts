import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { branchesLine, checkName, cloneLine, gitLine, initLine } from "./command-lines.js";
import { PASSWORD_ENV, USERNAME_ENV, credentialInvocation, resolveCredentials, stripUrlCredentials } from "./credentials.js";
import { shellJoin, shellQuote } from "./quote.js";
import { parseStatus } from "./status.js";

/** Runs a command line in bash exactly as a capsule would (`bash -lc` minus the login). */
function bash(cmd: string, env: Record<string, string> = {}, cwd?: string): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync("bash", ["-c", cmd], { env: { PATH: process.env.PATH, HOME: tmp, ...env }, cwd, encoding: "utf8" });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const tmp = mkdtempSync(join(tmpdir(), "wrenn-sdk-git-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("shell quoting", () => {
  const nasty = ["plain", "", "two words", "it's", "$HOME", "`id`", "$(id)", "a\nb", "*", "\\", '"q"', "-n", "ü ñ 中", "'", "''", "a'b'c", "!bang", "semi;colon", "&&", "|"];

  it.each(nasty)("bash sees %j as one literal word", (word) => {
    const { stdout } = bash(`printf '%s\\0' ${shellQuote(word)}`);
    expect(stdout).toBe(`${word}\0`);
  });

  it("joins words that bash splits back exactly", () => {
    const { stdout } = bash(`printf '%s\\0' ${shellJoin(nasty)}`);
    expect(stdout.split("\0").slice(0, -1)).toEqual(nasty);
  });

  it("leaves safe words bare", () => {
    expect(shellQuote("/home/user/repo")).toBe("/home/user/repo");
    expect(shellQuote("a b")).toBe("'a b'");
  });
});

describe("git names", () => {
  it("refuses option-like or multi-line refs", () => {
    expect(() => checkName("branch", "--upload-pack=x")).toThrow(/must not|not valid/);
    expect(() => checkName("branch", "a\nb")).toThrow();
    expect(() => checkName("branch", "")).toThrow();
    expect(checkName("branch", "feature/x")).toBe("feature/x");
  });
});

describe("credentials", () => {
  it("splits credentials out of a URL", () => {
    expect(stripUrlCredentials("https://bob:s%40cret@example.com/r.git")).toEqual({ url: "https://example.com/r.git", username: "bob", password: "s@cret" });
    expect(stripUrlCredentials("https://example.com/r.git")).toEqual({ url: "https://example.com/r.git" });
    expect(stripUrlCredentials("git@github.com:org/r.git")).toEqual({ url: "git@github.com:org/r.git" });
  });

  it("a token defaults the username; password and token are exclusive", () => {
    expect(resolveCredentials({ token: "t" })).toEqual({ username: "x-access-token", password: "t" });
    expect(resolveCredentials({ username: "u", password: "p" })).toEqual({ username: "u", password: "p" });
    expect(resolveCredentials({})).toBeUndefined();
    expect(() => resolveCredentials({ token: "t", password: "p" })).toThrow(/either/);
    expect(() => resolveCredentials({ username: "u" })).toThrow(/without a password/);
    expect(() => resolveCredentials({ password: "a\nb" })).toThrow(/line breaks/);
  });

  it("the secret is in the environment only, never in the command line", () => {
    const line = cloneLine("https://u:hunter2@example.com/r.git", { path: "/home/user/r" });
    expect(line.cmd).not.toContain("hunter2");
    expect(line.envs[PASSWORD_ENV]).toBe("hunter2");
    expect(line.envs[USERNAME_ENV]).toBe("u");
    expect(line.envs.GIT_TERMINAL_PROMPT).toBe("0");
  });

  it("the one-shot helper answers git's credential request (real git), and only for `get`", () => {
    const secret = "p@ss w'rd\\n$HOME`x`";
    const { options, envs } = credentialInvocation({ username: "alice", password: secret });
    const fill = bash(`printf 'protocol=https\\nhost=example.com\\n\\n' | ${shellJoin(["git", ...options, "credential", "fill"])}`, envs);
    expect(fill.stderr).toBe("");
    expect(fill.stdout).toContain("username=alice\n");
    expect(fill.stdout).toContain(`password=${secret}\n`);
  });

  it("the empty helper first drops helpers from the user's config (nothing gets stored)", () => {
    writeFileSync(join(tmp, ".gitconfig"), `[credential]\n\thelper = store --file=${join(tmp, "stored")}\n`);
    const { options, envs } = credentialInvocation({ username: "alice", password: "secret" });
    bash(`printf 'protocol=https\\nhost=example.com\\nusername=alice\\npassword=secret\\n\\n' | ${shellJoin(["git", ...options, "credential", "approve"])}`, envs);
    expect(() => readFileSync(join(tmp, "stored"), "utf8")).toThrow();
    rmSync(join(tmp, ".gitconfig"));
  });
});

describe("command lines against a real repository", () => {
  const env = { GIT_AUTHOR_NAME: "T", GIT_AUTHOR_EMAIL: "t@e", GIT_COMMITTER_NAME: "T", GIT_COMMITTER_EMAIL: "t@e" };

  it("init, status with every kind of change, branches", () => {
    const repo = join(tmp, "repo with 'quotes' and spaces");
    expect(bash(initLine(repo, { initialBranch: "main" }).cmd).status).toBe(0);
    let status = parseStatus(bash(gitLine(repo, ["status", "--porcelain=v2", "--branch", "-z"]).cmd).stdout);
    expect(status).toMatchObject({ branch: "main", commit: undefined, isClean: true, files: [] });

    writeFileSync(join(repo, "keep.txt"), "1");
    writeFileSync(join(repo, "gone.txt"), "1");
    writeFileSync(join(repo, "old name.txt"), "same content for rename detection\n");
    bash("git add -A && git commit -qm init", env, repo);
    writeFileSync(join(repo, "keep.txt"), "2");
    rmSync(join(repo, "gone.txt"));
    bash("git mv 'old name.txt' 'new name.txt'", env, repo);
    writeFileSync(join(repo, "new file.txt"), "n");
    writeFileSync(join(repo, "staged.txt"), "s");
    bash("git add staged.txt", env, repo);

    status = parseStatus(bash(gitLine(repo, ["status", "--porcelain=v2", "--branch", "-z"]).cmd).stdout);
    expect(status.branch).toBe("main");
    expect(status.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(status.isClean).toBe(false);
    const byPath = Object.fromEntries(status.files.map((f) => [f.path, f]));
    expect(byPath["keep.txt"]).toMatchObject({ status: "modified", staged: false });
    expect(byPath["gone.txt"]).toMatchObject({ status: "deleted", staged: false });
    expect(byPath["new name.txt"]).toMatchObject({ status: "renamed", origPath: "old name.txt", staged: true });
    expect(byPath["new file.txt"]).toMatchObject({ status: "untracked", staged: false });
    expect(byPath["staged.txt"]).toMatchObject({ status: "added", staged: true });

    bash("git branch feature", env, repo);
    const [head, list] = bash(branchesLine(repo).cmd).stdout.split("\u001e");
    expect(head!.trim()).toBe("main");
    expect(list!.trim().split("\n")).toEqual(["feature", "main"]);
  });

  it("parses ahead/behind and a detached HEAD", () => {
    expect(parseStatus("# branch.oid abc\0# branch.head main\0# branch.upstream origin/main\0# branch.ab +2 -3\0")).toMatchObject({ upstream: "origin/main", ahead: 2, behind: 3 });
    expect(parseStatus("# branch.oid abc\0# branch.head (detached)\0")).toMatchObject({ branch: undefined, detached: true });
  });
});
