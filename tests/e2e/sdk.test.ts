// The TypeScript SDK (`wrenn`, packages/sdk) against a real `wrenn up` child process:
// lifecycle, commands, files (incl. a 200 MB stream), PTY, git (incl. one-shot
// credentials against an authenticating git server inside the capsule), snapshots, metrics.
import { createHash, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthenticationError,
  Capsule,
  CommandExitError,
  ConnectionError,
  InvalidArgumentError,
  InvalidStateError,
  NotFoundError,
  TimeoutError,
  type CommandHandle,
  type ConnectionOptions,
  type FilesystemEvent,
} from "wrenn";
import { removeWrennUpData, startWrennUp, type WrennUp } from "./support/wrenn-up.js";

const DATA_DIR = "/var/tmp/wrenn-test-e2e-sdk";
const POOL = "10.31.0.0/16";
const PORT = 19725;
const AGENT_PORT = 19726;
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SDK_DIR = join(REPO_ROOT, "packages/sdk");

/** Polls until `check` returns true, or throws naming what it waited for. */
async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const sha256 = (data: Uint8Array | string): string => createHash("sha256").update(data).digest("hex");

describe("wrenn SDK against wrenn up", () => {
  const forwarding = readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8");
  let up: WrennUp;
  let conn: ConnectionOptions;
  /** Every capsule created here, killed in afterAll whatever happened. */
  const created = new Set<string>();
  const snapshots = new Set<string>();
  let main: Capsule;

  const create = async (options: Parameters<typeof Capsule.create>[0] = {}): Promise<Capsule> => {
    const capsule = await Capsule.create({ ...conn, ...options });
    created.add(capsule.capsuleId);
    return capsule;
  };

  beforeAll(async () => {
    await removeWrennUpData(DATA_DIR, POOL, forwarding);
    up = await startWrennUp({ dataDir: DATA_DIR, port: PORT, agentPort: AGENT_PORT, pool: POOL });
    conn = { apiKey: up.apiKey, apiUrl: up.url };
    main = await create({ envs: { CAPSULE_WIDE: "everywhere" } });
  }, 600_000);

  afterAll(async () => {
    if (up) {
      await Promise.allSettled([...created].map((id) => Capsule.kill(id, conn)));
      await Promise.allSettled([...snapshots].map((name) => Capsule.deleteSnapshot(name, conn)));
      await up.stop();
    }
    const left = await removeWrennUpData(DATA_DIR, POOL, forwarding);
    expect(left).toEqual({ netns: [], veths: [], rules: 0, mounts: [], runscProcesses: 0 });
  }, 180_000);

  describe("configuration and errors", () => {
    it("finds the API key and URL in wrenn up's credentials.json (WRENN_DATA_DIR)", async () => {
      const saved = { key: process.env.WRENN_API_KEY, url: process.env.WRENN_API_URL, dir: process.env.WRENN_DATA_DIR };
      delete process.env.WRENN_API_KEY;
      delete process.env.WRENN_API_URL;
      process.env.WRENN_DATA_DIR = DATA_DIR;
      try {
        const list = await Capsule.list();
        expect(list.map((c) => c.capsuleId)).toContain(main.capsuleId);
      } finally {
        for (const [name, value] of [["WRENN_API_KEY", saved.key], ["WRENN_API_URL", saved.url], ["WRENN_DATA_DIR", saved.dir]] as const) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      }
    });

    it("a wrong key is an AuthenticationError that says what to do", async () => {
      const err = await Capsule.list({ apiUrl: up.url, apiKey: `wrn_${"0".repeat(32)}` }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthenticationError);
      expect((err as Error).message).toMatch(/WRENN_API_KEY/);
    });

    it("an unreachable API is a ConnectionError naming the URL", async () => {
      const err = await Capsule.list({ apiUrl: "http://127.0.0.1:1", apiKey: up.apiKey }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as Error).message).toContain("http://127.0.0.1:1");
    });

    it("the published ESM and CJS bundles work from plain Node, configured by WRENN_API_KEY / WRENN_API_URL", () => {
      const out = join(SDK_DIR, "dist", `e2e-${process.pid}`);
      execFileSync(join(REPO_ROOT, "node_modules/.bin/tsup"), ["--out-dir", out, "--no-dts", "--no-sourcemap", "--silent"], { cwd: SDK_DIR, stdio: "pipe" });
      try {
        const body = (flavor: string): string =>
          `const c = await Capsule.connect(${JSON.stringify(main.capsuleId)}); let seen = "";` +
          `const r = await c.commands.run("echo ${flavor}", { onStdout: (d) => (seen += d) });` +
          `console.log(JSON.stringify({ stdout: r.stdout, seen, isError: new CommandExitError(1, "", "") instanceof Error }));`;
        const env = { ...process.env, WRENN_API_KEY: up.apiKey, WRENN_API_URL: up.url };
        const esm = execFileSync(process.execPath, ["--input-type=module", "-e", `const { Capsule, CommandExitError } = await import(${JSON.stringify(pathToFileURL(join(out, "index.js")).href)}); ${body("esm")}`], { env, encoding: "utf8" });
        const cjs = execFileSync(process.execPath, ["-e", `const { Capsule, CommandExitError } = require(${JSON.stringify(join(out, "index.cjs"))}); (async () => { ${body("cjs")} })().catch((e) => { console.error(e); process.exit(1); });`], { env, encoding: "utf8" });
        expect(JSON.parse(esm)).toEqual({ stdout: "esm\n", seen: "esm\n", isError: true });
        expect(JSON.parse(cjs)).toEqual({ stdout: "cjs\n", seen: "cjs\n", isError: true });
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });

    it("an out-of-range value is an InvalidArgumentError naming the field, and nothing is created", async () => {
      const before = (await Capsule.list(conn)).length;
      const err = await Capsule.create({ ...conn, vcpus: 99 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as Error).message).toMatch(/vcpus/);
      expect((await Capsule.list(conn)).length).toBe(before);
    });

    it("an unknown capsule is a NotFoundError", async () => {
      await expect(Capsule.connect("cl-0000000000000000000000000", conn)).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe("lifecycle", () => {
    it("create, list, connect, pause, resume, ping, setTimeout, kill", async () => {
      const capsule = await create({ template: "minimal", vcpus: 1, memoryMb: 512, timeoutMs: 600_000, metadata: { suite: "sdk", run: "lifecycle" } });
      let info = await capsule.getInfo();
      expect(info).toMatchObject({ capsuleId: capsule.capsuleId, status: "running", template: "minimal", vcpus: 1, memoryMb: 512, timeoutMs: 600_000, metadata: { suite: "sdk", run: "lifecycle" } });
      expect(info.createdAt).toBeInstanceOf(Date);
      expect(await capsule.isRunning()).toBe(true);

      const listed = await Capsule.list({ ...conn, metadata: { run: "lifecycle" } });
      expect(listed.map((c) => c.capsuleId)).toEqual([capsule.capsuleId]);

      const same = await Capsule.connect(capsule.capsuleId, conn);
      await same.files.write("/home/user/state.txt", "before pause");

      info = await capsule.pause();
      expect(info.status).toBe("paused");
      expect(await capsule.isRunning()).toBe(false);
      const paused = await capsule.commands.run("true").catch((e: unknown) => e);
      expect(paused).toBeInstanceOf(InvalidStateError);
      expect((paused as Error).message).toMatch(/resume/);
      // The WebSocket routes refuse it the same way.
      await expect(capsule.commands.run("true", { onStdout: () => {} })).rejects.toBeInstanceOf(InvalidStateError);
      await expect(capsule.pty.create({ onData: () => {} })).rejects.toBeInstanceOf(InvalidStateError);

      // connect resumes a paused capsule, with its files intact.
      const resumed = await Capsule.connect(capsule.capsuleId, conn);
      expect((await resumed.getInfo()).status).toBe("running");
      expect(await resumed.files.read("/home/user/state.txt")).toBe("before pause");
      await expect(resumed.resume()).rejects.toBeInstanceOf(InvalidStateError);

      await capsule.ping();
      await capsule.setTimeout(120_000);
      expect((await capsule.getInfo()).timeoutMs).toBe(120_000);

      expect(await capsule.kill()).toBe(true);
      expect(await capsule.kill()).toBe(false);
      await expect(capsule.getInfo()).rejects.toBeInstanceOf(NotFoundError);
      expect(await capsule.isRunning()).toBe(false);
      created.delete(capsule.capsuleId);
    }, 60_000);

    it("await using kills the capsule at the end of the block", async () => {
      let id = "";
      {
        await using capsule = await create();
        id = capsule.capsuleId;
        expect((await capsule.commands.run("echo in-block")).stdout).toBe("in-block\n");
      }
      await expect(Capsule.connect(id, conn)).rejects.toBeInstanceOf(NotFoundError);
      created.delete(id);
    }, 30_000);

    it("getHost and getUrl reach a port inside the capsule", async () => {
      expect(main.getHost(8080)).toBe(`8080-${main.capsuleId}.localhost:${PORT}`);
      expect(main.getUrl(8080)).toBe(`${up.url}/v1/capsules/${main.capsuleId}/ports/8080/`);
      // A one-line HTTP server: read the request head, answer, close.
      await main.files.write("/tmp/http-8080.sh", "#!/bin/bash\nwhile IFS= read -r l; do [ -z \"${l%$'\\r'}\" ] && break; done\nprintf 'HTTP/1.0 200 OK\\r\\n\\r\\nhi from 8080'\n");
      await main.commands.run("chmod +x /tmp/http-8080.sh");
      const server = await main.commands.run("socat TCP-LISTEN:8080,fork,reuseaddr EXEC:/tmp/http-8080.sh", { background: true });
      try {
        await until(async () => (await fetch(main.getUrl(8080), { headers: { "x-api-key": up.apiKey } }).catch(() => undefined))?.status === 200, "the path-based port URL");
        expect(await (await fetch(main.getUrl(8080), { headers: { "x-api-key": up.apiKey } })).text()).toBe("hi from 8080");
        // Host-based: the API's own address with the capsule's port host name.
        const viaHost = await new Promise<string>((resolve, reject) => {
          const req = request(`${up.url}/`, { headers: { host: main.getHost(8080) } }, (res) => {
            let body = "";
            res.on("data", (c: Buffer) => (body += c.toString()));
            res.on("end", () => resolve(body));
          });
          req.on("error", reject);
          req.end();
        });
        expect(viaHost).toBe("hi from 8080");
      } finally {
        await server.kill();
      }
    });
  });

  describe("commands", () => {
    it("stdout, stderr, envs (per command and capsule-wide), cwd, user", async () => {
      expect(await main.commands.run("echo hello")).toMatchObject({ stdout: "hello\n", stderr: "", exitCode: 0 });
      expect((await main.commands.run("echo oops >&2")).stderr).toBe("oops\n");
      expect((await main.commands.run('echo "$FOO|$CAPSULE_WIDE"', { envs: { FOO: "b a r" } })).stdout).toBe("b a r|everywhere\n");
      expect((await main.commands.run("pwd", { cwd: "/tmp" })).stdout).toBe("/tmp\n");
      expect((await main.commands.run("whoami")).stdout).toBe("user\n");
      expect((await main.commands.run("whoami", { user: "root" })).stdout).toBe("root\n");
    });

    it("exit code 42 throws CommandExitError with the output", async () => {
      const err = await main.commands.run("echo partial; echo bad >&2; exit 42").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CommandExitError);
      expect(err).toMatchObject({ exitCode: 42, stdout: "partial\n", stderr: "bad\n" });
      expect((err as Error).message).toContain("code 42");
    });

    it("streams output to callbacks as it is produced", async () => {
      const seen: Array<{ at: number; data: string }> = [];
      const errs: string[] = [];
      const start = Date.now();
      const result = await main.commands.run("for i in 1 2 3; do echo out$i; echo err$i >&2; sleep 0.3; done", {
        onStdout: (data) => seen.push({ at: Date.now() - start, data }),
        onStderr: (data) => errs.push(data),
      });
      expect(result.stdout).toBe("out1\nout2\nout3\n");
      expect(errs.join("")).toBe("err1\nerr2\nerr3\n");
      expect(seen.map((s) => s.data).join("")).toBe(result.stdout);
      expect(seen.length).toBeGreaterThanOrEqual(2);
      // The first piece arrived well before the command ended (~0.9 s).
      expect(seen[0]!.at).toBeLessThan(seen.at(-1)!.at - 300);
    });

    it("feeds stdin: a string over REST, bytes over the stream, and a failing exit in streaming mode", async () => {
      expect((await main.commands.run("cat", { stdin: "piped\n" })).stdout).toBe("piped\n");
      const big = randomBytes(1_500_000);
      expect((await main.commands.run("sha256sum | cut -c1-64", { stdin: big })).stdout.trim()).toBe(sha256(big));
      const chunks: string[] = [];
      const err = await main.commands.run("cat; exit 3", { stdin: "via stream\n", onStdout: (d) => chunks.push(d) }).catch((e: unknown) => e);
      expect(err).toMatchObject({ exitCode: 3, stdout: "via stream\n" });
      expect(chunks.join("")).toBe("via stream\n");
    });

    it("background: handle with pid, output, stdin, wait", async () => {
      const out: string[] = [];
      const handle = await main.commands.run('read line; echo "got:$line"; sleep 0.2; echo done', { background: true, onStdout: (d) => out.push(d) });
      expect(handle.pid).toBeGreaterThan(0);
      expect((await main.commands.list()).map((p) => p.pid)).toContain(handle.pid);
      await handle.sendStdin("hello\n");
      const result = await handle.wait();
      expect(result.stdout).toBe("got:hello\ndone\n");
      expect(out.join("")).toBe("got:hello\ndone\n");
      expect(handle.exitCode).toBe(0);
    });

    it("background + kill: the process is gone and wait reports the kill", async () => {
      const handle = await main.commands.run("sleep 300", { background: true, tag: "sleeper" });
      const listed = (await main.commands.list()).find((p) => p.pid === handle.pid);
      expect(listed).toMatchObject({ tag: "sleeper", pty: false });
      expect(await handle.kill()).toBe(true);
      const err = await handle.wait().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CommandExitError);
      expect((err as CommandExitError).exitCode).not.toBe(0);
      await until(async () => !(await main.commands.list()).some((p) => p.pid === handle.pid), "the killed process to leave the list");
      expect(await main.commands.kill(handle.pid)).toBe(false);
    });

    it("reattaches to a running command by pid and by tag", async () => {
      const job = await main.commands.run("for i in $(seq 1 40); do echo tick$i; sleep 0.1; done", { background: true, tag: "ticker" });
      await job.disconnect();
      await expect(job.wait()).rejects.toThrow(/reattach/);

      const seen: string[] = [];
      const again: CommandHandle = await main.commands.connect(job.pid, { onStdout: (d) => seen.push(d) });
      expect(again.pid).toBe(job.pid);
      await until(() => seen.join("").includes("tick"), "output after reattaching");
      await again.disconnect();

      const byTag = await main.commands.connect("ticker");
      expect(byTag.pid).toBe(job.pid);
      const result = await byTag.wait();
      expect(result.stdout).toContain("tick40");
      expect(result.stdout).not.toContain("tick1\n");
    });

    it("timeoutMs kills the command and throws TimeoutError (REST and streaming)", async () => {
      const t0 = Date.now();
      await expect(main.commands.run("sleep 30", { timeoutMs: 1_000 })).rejects.toBeInstanceOf(TimeoutError);
      await expect(main.commands.run("sleep 30", { timeoutMs: 1_000, onStdout: () => {} })).rejects.toBeInstanceOf(TimeoutError);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect((await main.commands.list()).filter((p) => p.args.join(" ").includes("sleep 30"))).toEqual([]);
    });
  });

  describe("files", () => {
    it("text and binary (NUL and 0xFF bytes) round-trip", async () => {
      await main.files.write("/home/user/hello.txt", "héllo wörld ✓\n");
      expect(await main.files.read("/home/user/hello.txt")).toBe("héllo wörld ✓\n");
      const binary = new Uint8Array([0, 255, 0, 254, 10, 13, 0, 255, ...Array.from({ length: 256 }, (_, i) => i)]);
      await main.files.write("/home/user/bin.dat", binary);
      expect(await main.files.read("/home/user/bin.dat", { format: "bytes" })).toEqual(binary);
      expect((await main.commands.run("sha256sum /home/user/bin.dat | cut -c1-64")).stdout.trim()).toBe(sha256(binary));
      const info = await main.files.getInfo("/home/user/bin.dat");
      expect(info).toMatchObject({ name: "bin.dat", path: "/home/user/bin.dat", type: "file", size: binary.length, owner: "user" });
    });

    it("writes a batch of entries", async () => {
      const written = await main.files.write([
        { path: "/home/user/batch/a.txt", data: "A" },
        { path: "/home/user/batch/b.txt", data: new TextEncoder().encode("B") },
      ]);
      expect(written.map((w) => w.name)).toEqual(["a.txt", "b.txt"]);
      expect((await main.commands.run("cat /home/user/batch/a.txt /home/user/batch/b.txt")).stdout).toBe("AB");
    });

    it("streams 200 MB up and down, checked by sha256 in the capsule", async () => {
      const MiB = 1 << 20;
      const total = 200 * MiB;
      const hash = createHash("sha256");
      const seed = randomBytes(MiB);
      async function* generate(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < total / MiB; i++) {
          const chunk = Buffer.from(seed);
          chunk.writeUInt32BE(i, 0); // every MiB differs
          hash.update(chunk);
          yield chunk;
        }
      }
      await main.files.write("/home/user/big.bin", Readable.from(generate()));
      const expected = hash.digest("hex");
      expect((await main.files.getInfo("/home/user/big.bin")).size).toBe(total);
      expect((await main.commands.run("sha256sum /home/user/big.bin | cut -c1-64", { timeoutMs: 120_000 })).stdout.trim()).toBe(expected);

      const down = createHash("sha256");
      let size = 0;
      for await (const chunk of await main.files.downloadStream("/home/user/big.bin")) {
        down.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      expect(size).toBe(total);
      expect(down.digest("hex")).toBe(expected);
      await main.files.remove("/home/user/big.bin");
    }, 120_000);

    it("list with depth, exists, mkdir (idempotent), rename, remove", async () => {
      const root = "/home/user/tree";
      const dir = await main.files.makeDir(`${root}/a/b`);
      expect(dir.type).toBe("directory");
      expect((await main.files.makeDir(`${root}/a/b`)).type).toBe("directory");
      await main.files.write(`${root}/top.txt`, "t");
      await main.files.write(`${root}/a/b/deep.txt`, "d");

      const shallow = await main.files.list(root);
      expect(shallow.map((e) => e.name).sort()).toEqual(["a", "top.txt"]);
      const deep = await main.files.list(root, { depth: 3 });
      expect(deep.map((e) => e.path).sort()).toEqual([`${root}/a`, `${root}/a/b`, `${root}/a/b/deep.txt`, `${root}/top.txt`]);
      expect(deep.find((e) => e.name === "a")?.type).toBe("directory");

      expect(await main.files.exists(`${root}/top.txt`)).toBe(true);
      expect(await main.files.exists(`${root}/nope.txt`)).toBe(false);
      await expect(main.files.read(`${root}/nope.txt`)).rejects.toBeInstanceOf(NotFoundError);

      const moved = await main.files.rename(`${root}/top.txt`, `${root}/renamed.txt`);
      expect(moved.path).toBe(`${root}/renamed.txt`);
      expect(await main.files.exists(`${root}/top.txt`)).toBe(false);
      expect(await main.files.read(`${root}/renamed.txt`)).toBe("t");

      await main.files.remove(`${root}/a`);
      expect(await main.files.exists(`${root}/a/b/deep.txt`)).toBe(false);
      expect((await main.files.list(root)).map((e) => e.name)).toEqual(["renamed.txt"]);
    });

    it("watches a directory", async () => {
      await main.files.makeDir("/home/user/watched");
      const events: FilesystemEvent[] = [];
      const watch = await main.files.watchDir("/home/user/watched", (e) => events.push(e));
      await main.files.write("/home/user/watched/new.txt", "x");
      await main.commands.run("rm /home/user/watched/new.txt");
      await until(() => events.some((e) => e.type === "remove" && e.name === "new.txt"), "a remove event");
      expect(events.some((e) => (e.type === "create" || e.type === "write") && e.name === "new.txt")).toBe(true);
      await watch.stop();
      const count = events.length;
      await main.files.write("/home/user/watched/after.txt", "y");
      await new Promise((r) => setTimeout(r, 300));
      expect(events.length).toBe(count);
    });
  });

  describe("pty", () => {
    it("echoes input, reflects resize in stty size, reattaches by tag, exits with the shell's code", async () => {
      let output = "";
      const decoder = new TextDecoder();
      const term = await main.pty.create({ cols: 80, rows: 24, onData: (d) => (output += decoder.decode(d, { stream: true })) });
      expect(term.pid).toBeGreaterThan(0);
      expect(term.tag).not.toBe("");
      await term.sendInput("echo sum-$((40+2))\n");
      await until(() => output.includes("sum-42"), "the echoed command output");
      await term.sendInput("stty size\n");
      await until(() => output.includes("24 80"), "stty size 24 80");
      await term.resize({ cols: 132, rows: 43 });
      await term.sendInput("stty size\n");
      await until(() => output.includes("43 132"), "stty size 43 132 after resize");

      await term.disconnect();
      let again = "";
      const reattached = await main.pty.connect(term.tag, { onData: (d) => (again += decoder.decode(d, { stream: true })) });
      await reattached.sendInput("echo back-$((1+1))\n");
      await until(() => again.includes("back-2"), "output after reattaching");
      await reattached.sendInput("exit 3\n");
      expect(await reattached.wait()).toMatchObject({ exitCode: 3 });
    });

    it("kill ends a terminal", async () => {
      const term = await main.pty.create({ onData: () => {} });
      const exit = await term.kill();
      expect(exit.exitCode).not.toBe(0);
    });
  });

  describe("git", () => {
    const repo = "/home/user/repo";

    it("init, add, commit, branch, checkout, status", async () => {
      await main.git.configureUser("Ada Lovelace", "ada@example.com");
      expect(await main.git.getConfig("user.name")).toBe("Ada Lovelace");
      await main.git.init(repo, { initialBranch: "main" });
      let status = await main.git.status(repo);
      expect(status).toMatchObject({ branch: "main", isClean: true });

      await main.files.write(`${repo}/README.md`, "# it's a \"repo\"\n");
      status = await main.git.status(repo);
      expect(status.files).toEqual([expect.objectContaining({ path: "README.md", status: "untracked" })]);

      await main.git.add(repo);
      expect((await main.git.status(repo)).files).toEqual([expect.objectContaining({ path: "README.md", status: "added", staged: true })]);
      const sha = await main.git.commit(repo, "first: it's $HOME `quoted`");
      expect(sha).toMatch(/^[0-9a-f]{40}$/);
      expect((await main.commands.run(`git -C ${repo} log -1 --format='%s|%an'`)).stdout).toBe("first: it's $HOME `quoted`|Ada Lovelace\n");
      expect((await main.git.status(repo)).isClean).toBe(true);

      await main.git.checkout(repo, "feature/x", { create: true });
      expect(await main.git.branches(repo)).toEqual({ current: "feature/x", branches: ["feature/x", "main"] });
      await main.files.write(`${repo}/README.md`, "changed\n");
      await main.git.add(repo, { files: ["README.md"] });
      await main.git.commit(repo, "second", { authorName: "Grace", authorEmail: "grace@example.com" });
      expect((await main.commands.run(`git -C ${repo} log -1 --format=%an`)).stdout).toBe("Grace\n");
      await main.git.checkout(repo, "main");
      expect((await main.git.branches(repo)).current).toBe("main");
      expect(await main.files.read(`${repo}/README.md`)).toBe("# it's a \"repo\"\n");
    });

    it("clone and push with credentials that never reach the repository's config", async () => {
      const TOKEN = "tok-3xAmple-S3cret";
      // An HTTP git server inside the capsule that demands Basic auth (alice / TOKEN).
      const server = [
        "#!/bin/bash",
        "read -r method target _",
        "auth=; length=0; ctype=; encoding=; proto=",
        "while IFS= read -r line; do line=${line%$'\\r'}; [ -z \"$line\" ] && break",
        '  case "${line,,}" in authorization:*) auth=${line#*: };; content-length:*) length=${line#*: };; content-type:*) ctype=${line#*: };;',
        '    content-encoding:*) encoding=${line#*: };; git-protocol:*) proto=${line#*: };; esac; done',
        'if [ "$auth" != "Basic $(printf %s "alice:$TOKEN" | base64 -w0)" ]; then',
        "  printf 'HTTP/1.0 401 Unauthorized\\r\\nWWW-Authenticate: Basic realm=\"git\"\\r\\nContent-Length: 0\\r\\n\\r\\n'; exit 0; fi",
        'path=${target%%\\?*}; query=; [[ "$target" == *\\?* ]] && query=${target#*\\?}',
        "printf 'HTTP/1.0 200 OK\\r\\n'",
        'head -c "$length" | GIT_PROJECT_ROOT=/tmp/gitsrv GIT_HTTP_EXPORT_ALL=1 REMOTE_USER=alice REQUEST_METHOD=$method PATH_INFO=$path QUERY_STRING=$query \\',
        "  CONTENT_TYPE=$ctype CONTENT_LENGTH=$length HTTP_CONTENT_ENCODING=$encoding HTTP_GIT_PROTOCOL=$proto /usr/lib/git-core/git-http-backend",
      ].join("\n");
      await main.files.write("/tmp/git-http.sh", server);
      await main.commands.run(
        "chmod +x /tmp/git-http.sh && mkdir -p /tmp/gitsrv && git init -q --bare -b main /tmp/gitsrv/repo.git && " +
          "git -C /home/user/repo push -q /tmp/gitsrv/repo.git main",
      );
      const socat = await main.commands.run("socat TCP-LISTEN:8417,bind=127.0.0.1,fork,reuseaddr EXEC:/tmp/git-http.sh", { background: true, envs: { TOKEN } });
      try {
        await until(async () => (await main.commands.run("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8417/ || true")).stdout === "401", "the git server");
        const url = "http://127.0.0.1:8417/repo.git";

        // Without credentials git fails at once (no prompt hangs).
        const denied = await main.git.clone(url, { path: "/home/user/denied" }).catch((e: unknown) => e);
        expect(denied).toBeInstanceOf(CommandExitError);
        expect((denied as CommandExitError).stderr).toMatch(/terminal prompts disabled|Authentication failed|could not read Username/);

        await main.git.clone(url, { path: "/home/user/cloned", username: "alice", password: TOKEN });
        expect(await main.files.read("/home/user/cloned/README.md")).toBe("# it's a \"repo\"\n");
        expect(await main.git.remoteGet("/home/user/cloned")).toBe(url);

        // Credentials inside the URL are split out too.
        await main.git.clone(`http://alice:${TOKEN}@127.0.0.1:8417/repo.git`, { path: "/home/user/cloned2" });
        expect(await main.git.remoteGet("/home/user/cloned2")).toBe(url);

        await main.files.write("/home/user/cloned/NEW.md", "new\n");
        await main.git.add("/home/user/cloned");
        await main.git.commit("/home/user/cloned", "from the clone");
        await expect(main.git.push("/home/user/cloned")).rejects.toBeInstanceOf(CommandExitError);
        await main.git.push("/home/user/cloned", { username: "alice", token: TOKEN });
        await main.git.pull("/home/user/cloned2", { username: "alice", password: TOKEN });
        expect(await main.files.read("/home/user/cloned2/NEW.md")).toBe("new\n");

        // The token is nowhere on disk: not in either repository, not in a credential store.
        const grep = await main.commands.run(`grep -rl -- ${TOKEN} /home/user/cloned/.git /home/user/cloned2/.git /home/user/.gitconfig /home/user/.git-credentials 2>/dev/null || true`);
        expect(grep.stdout).toBe("");
        expect(await main.files.exists("/home/user/.git-credentials")).toBe(false);
      } finally {
        await socat.kill();
      }
    }, 90_000);
  });

  describe("snapshots and metrics", () => {
    it("snapshot → a new capsule from it has the same files", async () => {
      await main.files.write("/home/user/marker.txt", "from the snapshot");
      const name = `sdk-e2e-${Date.now()}`;
      const template = await main.createSnapshot(name);
      snapshots.add(name);
      expect(template).toMatchObject({ name, type: "snapshot" });
      expect((await Capsule.listTemplates({ ...conn, type: "snapshot" })).map((t) => t.name)).toContain(name);
      expect(await main.isRunning()).toBe(true);

      const copy = await create({ template: name });
      expect((await copy.getInfo()).template).toBe(name);
      expect(await copy.files.read("/home/user/marker.txt")).toBe("from the snapshot");
      expect((await copy.commands.run("echo alive")).stdout).toBe("alive\n");
      await copy.kill();
      created.delete(copy.capsuleId);
      expect(await Capsule.deleteSnapshot(name, conn)).toBe(true);
      snapshots.delete(name);
    }, 120_000);

    it("metrics have samples with memory in use", async () => {
      let points: Awaited<ReturnType<Capsule["getMetrics"]>> = [];
      await until(async () => (points = await main.getMetrics({ range: "5m" })).length > 0, "metric points", 15_000);
      const last = points.at(-1)!;
      expect(last.timestamp).toBeInstanceOf(Date);
      expect(last.memBytes).toBeGreaterThan(0);
      expect(last.cpuPct).toBeGreaterThanOrEqual(0);
    });
  });
});
