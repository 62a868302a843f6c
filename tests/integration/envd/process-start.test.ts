import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { envdClients, startEnvd, type EnvdClients, type RunningEnvd } from "@wrenn/testkit";
import { collect, expectConnectError, initEnvd } from "./process-helpers.js";

describe("envd process Start", () => {
  let envd: RunningEnvd;
  let client: EnvdClients["process"];
  beforeAll(async () => {
    envd = await startEnvd();
    client = envdClients(envd.url).process;
  });
  afterAll(async () => {
    await envd?.stop();
  });

  it("streams start{pid}, stdout, stderr and end with the exit code", async () => {
    const run = await collect(client.start({ process: { cmd: "/bin/sh", args: ["-c", "echo out; echo err >&2; exit 3"] } }));
    expect(run.order[0]).toBe("start");
    expect(run.order.at(-1)).toBe("end");
    expect(run.pid).toBeGreaterThan(0);
    expect(run.stdout).toBe("out\n");
    expect(run.stderr).toBe("err\n");
    expect(run.end).toMatchObject({ exitCode: 3, exited: true, status: "exit status 3", error: "exit status 3" });
  });

  it("reports a clean exit without an error", async () => {
    const run = await collect(client.start({ process: { cmd: "true" } }));
    expect(run.end).toMatchObject({ exitCode: 0, exited: true, status: "exit status 0" });
    expect(run.end?.error).toBeUndefined();
  });

  it("runs cmd directly with args, without a shell", async () => {
    const run = await collect(client.start({ process: { cmd: "echo", args: ["$HOME", "a  b", "*"] } }));
    expect(run.stdout).toBe("$HOME a  b *\n");
  });

  it("runs bash -l -c as E2B clients send it", async () => {
    const run = await collect(client.start({ process: { cmd: "/bin/bash", args: ["-l", "-c", "echo hi from $0"] } }));
    expect(run.stdout).toBe("hi from /bin/bash\n");
    expect(run.end?.exitCode).toBe(0);
  });

  it("sets HOME, USER, LOGNAME, SHELL and a default PATH for the user", async () => {
    const run = await collect(client.start({ process: { cmd: "/usr/bin/env" } }));
    const env = Object.fromEntries(run.stdout.trim().split("\n").map((line) => line.split(/=(.*)/s).slice(0, 2)));
    const rootShell = readFileSync("/etc/passwd", "utf8").split("\n").find((line) => line.startsWith("root:"))!.split(":")[6];
    expect(env).toMatchObject({ HOME: "/root", USER: "root", LOGNAME: "root", SHELL: rootShell });
    expect(env.PATH).toContain("/usr/bin");
  });

  it("uses the requested cwd, with ~ meaning the user's home", async () => {
    expect((await collect(client.start({ process: { cmd: "pwd", cwd: "/tmp" } }))).stdout).toBe("/tmp\n");
    expect((await collect(client.start({ process: { cmd: "pwd", cwd: "~" } }))).stdout).toBe("/root\n");
  });

  it("does not keep stdin open when stdin is false", async () => {
    const run = await collect(client.start({ process: { cmd: "cat" }, stdin: false }));
    expect(run.stdout).toBe("");
    expect(run.end?.exitCode).toBe(0);
  });

  it("runs as a non-root user given in Basic auth", async () => {
    const nobody = envdClients(envd.url, { user: "nobody" }).process;
    const run = await collect(nobody.start({ process: { cmd: "/bin/sh", args: ["-c", 'id -u; id -g; echo "$USER $HOME"; pwd'] } }));
    // nobody's home (/nonexistent) does not exist, so the cwd falls back to /.
    expect(run.stdout).toBe("65534\n65534\nnobody /nonexistent\n/\n");
  });

  it("fails Start with not_found for a command that does not exist, with or without a PTY", async () => {
    await expectConnectError(() => collect(client.start({ process: { cmd: "no-such-command-xyz" } })), Code.NotFound, /no-such-command-xyz.*not found on PATH/);
    await expectConnectError(() => collect(client.start({ process: { cmd: "/opt/nope/bin/tool" } })), Code.NotFound, /\/opt\/nope\/bin\/tool/);
    await expectConnectError(
      () => collect(client.start({ process: { cmd: "no-such-command-xyz" }, pty: { size: { cols: 80, rows: 24 } } })),
      Code.NotFound,
    );
  });

  it("rejects bad input with invalid_argument and a message naming the input", async () => {
    await expectConnectError(() => collect(client.start({ process: { cmd: "" } })), Code.InvalidArgument, /process\.cmd is required/);
    await expectConnectError(() => collect(client.start({})), Code.InvalidArgument, /process\.cmd is required/);
    await expectConnectError(
      () => collect(client.start({ process: { cmd: "pwd", cwd: "/does/not/exist" } })),
      Code.InvalidArgument,
      /cwd "\/does\/not\/exist" does not exist/,
    );
    await expectConnectError(() => collect(client.start({ process: { cmd: "pwd", cwd: "/etc/passwd" } })), Code.InvalidArgument, /not a directory/);
    await expectConnectError(() => collect(client.start({ process: { cmd: "/etc" } })), Code.InvalidArgument, /is a directory/);
    await expectConnectError(() => collect(client.start({ process: { cmd: "/etc/passwd" } })), Code.InvalidArgument, /not executable/);
    await expectConnectError(() => collect(client.start({ process: { cmd: "env", envs: { "A=B": "x" } } })), Code.InvalidArgument, /env var name/);
    await expectConnectError(
      () => collect(client.start({ process: { cmd: "true" }, pty: { size: { cols: 70000, rows: 24 } } })),
      Code.InvalidArgument,
      /cols and rows/,
    );
  });

  it("fails Start with permission_denied when the user may not run the program", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wrenn-private-"));
    try {
      writeFileSync(join(dir, "tool.sh"), "#!/bin/sh\necho secret\n", { mode: 0o755 });
      chmodSync(dir, 0o700);
      const nobody = envdClients(envd.url, { user: "nobody" }).process;
      await expectConnectError(
        () => collect(nobody.start({ process: { cmd: join(dir, "tool.sh") } })),
        Code.PermissionDenied,
        /cannot start .* as user "nobody".*permission denied/,
      );
      expect((await collect(client.start({ process: { cmd: join(dir, "tool.sh") } }))).stdout).toBe("secret\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects an unknown user with invalid_argument", async () => {
    const ghost = envdClients(envd.url, { user: "no-such-user" }).process;
    await expectConnectError(() => collect(ghost.start({ process: { cmd: "true" } })), Code.InvalidArgument, /unknown user "no-such-user"/);
  });
});

describe("envd process env and cwd from /init", () => {
  let envd: RunningEnvd;
  beforeAll(async () => {
    envd = await startEnvd();
    await initEnvd(envd.url, { envVars: { FROM_INIT: "init", OVERRIDDEN: "init", PATH: "/usr/bin:/bin" }, defaultWorkdir: "/tmp" });
  });
  afterAll(async () => {
    await envd?.stop();
  });

  it("merges env as defaults < /init env vars < request envs", async () => {
    const client = envdClients(envd.url).process;
    const run = await collect(
      client.start({ process: { cmd: "/bin/sh", args: ["-c", 'echo "$FROM_INIT $OVERRIDDEN $ONLY_REQ $PATH $HOME"'], envs: { OVERRIDDEN: "req", ONLY_REQ: "r" } } }),
    );
    expect(run.stdout).toBe("init req r /usr/bin:/bin /root\n");
  });

  it("uses the default workdir from /init unless the request sets cwd", async () => {
    const client = envdClients(envd.url).process;
    expect((await collect(client.start({ process: { cmd: "pwd" } }))).stdout).toBe("/tmp\n");
    expect((await collect(client.start({ process: { cmd: "pwd", cwd: "/" } }))).stdout).toBe("/\n");
  });
});
