import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");
const committed = join(root, "packages/proto/src/gen");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe("generated protobuf code", () => {
  const out = mkdtempSync(join(tmpdir(), "wrenn-gen-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("is exactly what `npm run gen` produces from proto/ (regenerate and commit if this fails)", () => {
    const template = JSON.stringify({
      version: "v2",
      plugins: [{ local: "protoc-gen-es", out, opt: ["target=ts", "import_extension=js"] }],
    });
    execFileSync(join(root, "node_modules/.bin/buf"), ["generate", "--template", template], {
      cwd: root,
      env: { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH}` },
    });
    const fresh = files(out).map((f) => relative(out, f)).sort();
    const existing = files(committed).map((f) => relative(committed, f)).sort();
    expect(existing).toEqual(fresh);
    for (const name of fresh) {
      expect(readFileSync(join(committed, name), "utf8"), name).toBe(readFileSync(join(out, name), "utf8"));
    }
  });

  it("keeps envd's wire names compatible with E2B's envd protocol", async () => {
    const { Process } = await import("@wrenn/proto/envd/process");
    const { Filesystem } = await import("@wrenn/proto/envd/filesystem");
    expect(Process.typeName).toBe("process.Process");
    expect(Filesystem.typeName).toBe("filesystem.Filesystem");
    expect(Object.keys(Process.method).sort()).toEqual(
      ["closeStdin", "connect", "list", "sendInput", "sendSignal", "start", "streamInput", "update"].sort(),
    );
    expect(Object.keys(Filesystem.method).sort()).toEqual(
      ["createWatcher", "getWatcherEvents", "listDir", "makeDir", "move", "remove", "removeWatcher", "stat", "watchDir"].sort(),
    );
  });

  it("defines every host agent RPC that API.md lists", async () => {
    const { HostAgentService } = await import("@wrenn/proto/hostagent/v1");
    const names = HostAgentService.methods.map((m) => m.name);
    const required = `CreateCapsule DestroyCapsule PauseCapsule ResumeCapsule PingCapsule ListCapsules Exec ExecStream
      StartBackground ListProcesses KillProcess ConnectProcess SendProcessInput WriteFile ReadFile WriteFileStream
      ReadFileStream ListDir Stat MakeDir Move RemovePath WatchDir PtyAttach PtySendInput PtyResize PtyKill
      CreateSnapshot DeleteSnapshot GetCapsuleMetrics FlushCapsuleMetrics BuildTemplate Terminate GetHostStats`.split(/\s+/);
    for (const name of required) expect(names).toContain(name);
  });
});
