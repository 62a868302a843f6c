// `wrenn up` as the README runs it: first start, credentials, a second instance refused,
// and a restart with a capsule running (paused at shutdown, resumed at start, intact).
import { statSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeWrennUpData, startWrennUp, type WrennUp } from "./support/wrenn-up.js";
import { runCommand } from "@wrenn/testkit";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn as spawnPty } from "@lydell/node-pty";

const DATA_DIR = "/var/tmp/wrenn-test-e2e-up";
const POOL = "10.33.0.0/16";
const PORT = 19735;
const AGENT_PORT = 19736;

describe("wrenn up", () => {
  let up: WrennUp | undefined;
  const forwarding = readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8");
  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(up!.url + path, {
      method,
      headers: { "x-api-key": up!.apiKey, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text };
  };

  beforeAll(async () => {
    await removeWrennUpData(DATA_DIR, POOL, forwarding);
    up = await startWrennUp({ dataDir: DATA_DIR, port: PORT, agentPort: AGENT_PORT, pool: POOL });
  }, 600_000);

  afterAll(async () => {
    await up?.stop();
    const left = await removeWrennUpData(DATA_DIR, POOL, forwarding);
    expect(left).toEqual({ netns: [], veths: [], rules: 0, mounts: [], runscProcesses: 0 });
  }, 180_000);

  it("prints the URL, login and API key, and writes credentials.json with mode 0600", () => {
    const text = up!.output.join("\n");
    expect(text).toContain(`Wrenn is up at http://127.0.0.1:${PORT}`);
    expect(text).toMatch(/login: +admin@wrenn\.local \/ \S{12,}/);
    expect(text).toMatch(/API key: +wrn_[0-9a-f]{32}/);
    const file = `${DATA_DIR}/credentials.json`;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const creds = JSON.parse(readFileSync(file, "utf8"));
    expect(creds).toEqual({ api_url: `http://127.0.0.1:${PORT}`, api_key: up!.apiKey, email: "admin@wrenn.local", password: up!.password });
  });

  it("answers health with the database and agent up, and the key works", async () => {
    expect((await api("GET", "/health")).body).toMatchObject({ status: "ok", database: "ok", agent: "ok" });
    expect((await api("GET", "/v1/capsules")).status).toBe(200);
  });

  it("refuses a second instance on the same data directory with a clear error", async () => {
    const res = await runCommand(process.execPath, ["packages/cli/dist/main.js", "up", "--data-dir", DATA_DIR, "--port", String(PORT + 10), "--agent-port", String(AGENT_PORT + 10)], {
      env: { ...process.env, WRENN_NETWORK_POOL: "10.34.0.0/16" },
      timeoutMs: 60_000,
    });
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/in use by another Wrenn process \(pid \d+\)/);
  });

  /** The built CLI, as `./wrenn <args>` runs it, against this instance (via its credentials.json). */
  const cli = (args: string[], input?: string) =>
    runCommand(process.execPath, ["packages/cli/dist/main.js", ...args], { env: { ...process.env, WRENN_DATA_DIR: DATA_DIR }, timeoutMs: 120_000, ...(input ? { input } : {}) });
  /** A fenced code block of the README, found by the heading above it. */
  const readmeBlock = (heading: string, lang: string): string => {
    const readme = readFileSync("README.md", "utf8");
    const at = readme.indexOf(heading);
    expect(at, `README has "${heading}"`).toBeGreaterThan(0);
    const match = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(readme.slice(at));
    return match![1]!;
  };

  it("runs the README's SDK example", async () => {
    const dir = mkdtempSync(join(process.cwd(), ".readme-sdk-"));
    try {
      writeFileSync(join(dir, "hello.mjs"), readmeBlock("### SDK example", "ts"));
      const res = await runCommand(process.execPath, [join(dir, "hello.mjs")], { env: { ...process.env, WRENN_DATA_DIR: DATA_DIR } });
      expect(res.err).toBe("");
      expect(res.out).toMatch(/^hello from \S+\nkept across pause and resume\n/);
      expect(res.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it("runs the README's CLI example", async () => {
    const res = await runCommand("bash", ["-euo", "pipefail", "-c", readmeBlock("### CLI example", "sh")], { env: { ...process.env, WRENN_DATA_DIR: DATA_DIR }, timeoutMs: 180_000 });
    expect(res.err).toBe("");
    expect(res.out).toMatch(/Linux .* GNU\/Linux\n/);
    expect(res.out).toContain("/home/user/data.txt");
    expect(res.out).toMatch(/\n10\n/);
    expect(res.out).toMatch(/: killed\n$/);
    expect(res.code).toBe(0);
  }, 180_000);

  it("drives capsules, files and keys through the CLI with --json, passing exit codes through", async () => {
    const created = await cli(["capsule", "create", "--json", "-e", "GREETING=hi"]);
    expect(created.code, created.err).toBe(0);
    const id = JSON.parse(created.out).capsuleId as string;
    try {
      expect(JSON.parse((await cli(["capsule", "list", "--json"])).out).map((c: { capsuleId: string }) => c.capsuleId)).toContain(id);
      const failed = await cli(["capsule", "exec", id, "echo $GREETING; echo oops >&2; exit 42"]);
      expect(failed).toEqual({ code: 42, out: "hi\n", err: "oops\n" });
      const json = await cli(["capsule", "exec", "--json", id, "--", "printf", "%s", "two words"]);
      expect(JSON.parse(json.out)).toEqual({ stdout: "two words", stderr: "", exitCode: 0 });

      // Binary round trip through put and get, checked inside the capsule too.
      const dir = mkdtempSync(join(tmpdir(), "wrenn-cli-"));
      const data = Buffer.concat([Buffer.from([0, 255, 0, 10]), randomBytes(300_000)]);
      writeFileSync(join(dir, "in.bin"), data);
      expect((await cli(["files", "put", id, join(dir, "in.bin"), "/home/user/in.bin"])).code).toBe(0);
      const sha = createHash("sha256").update(data).digest("hex");
      expect((await cli(["capsule", "exec", id, "sha256sum /home/user/in.bin"])).out).toBe(`${sha}  /home/user/in.bin\n`);
      expect((await cli(["files", "get", id, "/home/user/in.bin", join(dir, "out.bin")])).code).toBe(0);
      expect(createHash("sha256").update(readFileSync(join(dir, "out.bin"))).digest("hex")).toBe(sha);
      const listed = JSON.parse((await cli(["files", "ls", "--json", id])).out) as Array<{ path: string }>;
      expect(listed.map((e) => e.path)).toContain("/home/user/in.bin");
      expect((await cli(["files", "rm", id, "/home/user/in.bin"])).code).toBe(0);
      rmSync(dir, { recursive: true, force: true });

      // Keys: create (shown once), use, revoke.
      const key = JSON.parse((await cli(["key", "create", "--json", "cli-test"])).out) as { id: string; key: string };
      expect(key.key).toMatch(/^wrn_[0-9a-f]{32}$/);
      expect((await cli(["--api-key", key.key, "capsule", "list"])).code).toBe(0);
      expect((await cli(["key", "revoke", key.id])).code).toBe(0);
      const refused = await cli(["--api-key", key.key, "capsule", "list"]);
      expect(refused.code).toBe(1);
      expect(refused.err.trim().split("\n")).toHaveLength(1);
      expect(refused.err).toMatch(/^wrenn: .*(revoked|unknown)/);
    } finally {
      (await cli(["capsule", "kill", id]));
    }
    const gone = await cli(["capsule", "info", id]);
    expect(gone.code).toBe(1);
    expect(gone.err).toContain("not found");
    expect((await cli(["capsule", "exec", "--help"])).out).toContain("Examples:");
  }, 240_000);

  it("builds a template from a Wrennfile with live logs, and capsules from it carry its files and env", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wrenn-wrennfile-"));
    try {
      writeFileSync(join(dir, "hello.txt"), "copied from the build context\n");
      writeFileSync(
        join(dir, "Wrennfile"),
        ["# a small image template", "FROM minimal", "COPY hello.txt /opt/app/hello.txt", "ENV APP_MODE=built", "RUN echo build-step-output && chmod -R a+rX /opt/app", "WORKDIR /opt/app"].join("\n") + "\n",
      );
      const built = await cli(["template", "build", join(dir, "Wrennfile"), "--name", "cli-built"]);
      expect(built.code, built.err).toBe(0);
      expect(built.out).toContain("build-step-output");
      const broken = join(dir, "Broken");
      writeFileSync(broken, "FROM minimal\nRUN echo about-to-fail && exit 3\n");
      const failed = await cli(["template", "build", broken, "--name", "cli-broken"]);
      expect(failed.code).toBe(1);
      expect(failed.err).toMatch(/step 1/i);
      expect(failed.err).toContain("exit 3");

      const created = await cli(["capsule", "create", "--json", "-t", "cli-built"]);
      expect(created.code, created.err).toBe(0);
      const id = JSON.parse(created.out).capsuleId as string;
      try {
        expect((await cli(["capsule", "exec", id, 'echo "$APP_MODE $(pwd) $(cat hello.txt)"'])).out).toBe("built /opt/app copied from the build context\n");
      } finally {
        (await cli(["capsule", "kill", id]));
      }
      expect((await cli(["template", "delete", "cli-built"])).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it("opens an interactive shell in a real terminal, follows resizes and passes the exit code through", async () => {
    const created = JSON.parse((await cli(["capsule", "create", "--json"])).out) as { capsuleId: string };
    try {
      const term = spawnPty(process.execPath, ["packages/cli/dist/main.js", "capsule", "shell", created.capsuleId], {
        cols: 100,
        rows: 30,
        cwd: process.cwd(),
        env: { ...process.env, WRENN_DATA_DIR: DATA_DIR, TERM: "xterm" } as Record<string, string>,
      });
      let screen = "";
      term.onData((d) => (screen += d));
      const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
      const waitFor = async (pattern: RegExp): Promise<void> => {
        for (let i = 0; i < 300 && !pattern.test(screen); i++) await new Promise((r) => setTimeout(r, 100));
        expect(screen).toMatch(pattern);
      };
      term.write("echo ready-$((6*7))\r");
      await waitFor(/ready-42/);
      term.write("stty size\r");
      await waitFor(/30 100/);
      term.resize(120, 40);
      await new Promise((r) => setTimeout(r, 500));
      term.write("stty size\r");
      await waitFor(/40 120/);
      term.write("exit 5\r");
      expect(await exited).toBe(5);
    } finally {
      (await cli(["capsule", "kill", created.capsuleId]));
    }
  }, 180_000);

  it("pauses running capsules on SIGTERM and resumes them, intact, on the next start", async () => {
    const created = await api("POST", "/v1/capsules", { template: "minimal" });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const exec = async (script: string) => (await api("POST", `/v1/capsules/${id}/exec`, { cmd: "/bin/bash", args: ["-c", script] })).body;
    expect((await exec("echo kept > /tmp/state; sleep 1000 & echo started")).stdout).toBe("started\n");

    const firstKey = up!.apiKey;
    expect(await up!.stop()).toBe(0);
    expect(up!.output.join("\n")).toContain("paused 1 capsule(s)");
    up = await startWrennUp({ dataDir: DATA_DIR, port: PORT, agentPort: AGENT_PORT, pool: POOL });
    expect(up.output.join("\n")).toContain("resumed 1 of 1 capsules");
    // The second start reuses the account and key of the first.
    expect(up.apiKey).toBe(firstKey);

    const info = await api("GET", `/v1/capsules/${id}`);
    expect(info.body.status).toBe("running");
    expect((await exec("cat /tmp/state; pgrep -x sleep >/dev/null && echo sleeping")).stdout).toBe("kept\nsleeping\n");
    expect((await api("DELETE", `/v1/capsules/${id}`)).status).toBe(204);
  }, 240_000);
});
