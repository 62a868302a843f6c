// Recipe builds (BuildTemplate) under gVisor, from the real python image.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "@wrenn/core";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { CapsuleStatus, TemplateKind, type BuildTemplateRequestSchema, type BuildTemplateResponse } from "@wrenn/proto/hostagent/v1";
import { startAgentProcess, type RunningAgent } from "@wrenn/testkit";
import { ownNetwork } from "./support/own-network.js";

const DATA_DIR = "/var/tmp/wrenn-test-agent-builds";
const NETWORK = ownNetwork({ pool: "10.26.0.0/16", chainPrefix: "WRBUILD", vethPrefix: "wb" });
const text = (b: Uint8Array): string => Buffer.from(b).toString("utf8");
type Request = MessageInitShape<typeof BuildTemplateRequestSchema>;
type Step = { instruction: string; args: string; timeoutSec?: number };

/** A tar.gz with a web page, an executable script and a tiny Python package. */
function makeArchive(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "wrenn-build-archive-"));
  try {
    mkdirSync(join(dir, "site"));
    writeFileSync(join(dir, "site/index.html"), "hello from the archive\n");
    mkdirSync(join(dir, "bin"));
    writeFileSync(join(dir, "bin/tool.sh"), "#!/bin/sh\necho tool-ran-as-$(id -un)\n");
    chmodSync(join(dir, "bin/tool.sh"), 0o755);
    mkdirSync(join(dir, "pkg/tinypkg"), { recursive: true });
    writeFileSync(join(dir, "pkg/tinypkg/__init__.py"), "def hello():\n    return 'tinypkg says hi'\n");
    writeFileSync(join(dir, "pkg/setup.py"), "from setuptools import setup\nsetup(name='tinypkg', version='0.1', packages=['tinypkg'])\n");
    return execFileSync("tar", ["-czf", "-", "-C", dir, "site", "bin", "pkg"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("template builds", () => {
  let agent: RunningAgent;
  const created = new Set<string>();
  const archive = makeArchive();

  /** Runs a build to its end; returns every event and the `finished` one. */
  const build = async (req: Request, signal?: AbortSignal) => {
    const events: BuildTemplateResponse["event"][] = [];
    for await (const res of agent.client.buildTemplate({ buildId: newId("build"), vcpus: 1, memoryMb: 512, ...req }, { signal })) events.push(res.event);
    const finished = events.at(-1);
    if (finished?.case !== "finished") throw new Error(`the build stream ended without finished: ${JSON.stringify(events.map((e) => e.case))}`);
    const logs = events.map((e) => (e.case === "log" ? text(e.value.data) : "")).join("");
    return { events, finished: finished.value, logs };
  };
  const minimal = (name: string, steps: Step[], extra: Partial<Request> = {}) =>
    build({ name, baseTemplate: "minimal", steps: steps.map((s) => ({ timeoutSec: 0, ...s })), ...extra });
  const create = async (template: string) => {
    const capsuleId = newId("capsule");
    created.add(capsuleId);
    const res = await agent.client.createCapsule({ capsuleId, template, vcpus: 1, memoryMb: 512 });
    expect(res.capsule?.status).toBe(CapsuleStatus.RUNNING);
    return capsuleId;
  };
  const sh = async (capsuleId: string, script: string) => {
    const res = await agent.client.exec({ capsuleId, cmd: "/bin/bash", args: ["-c", script] });
    return { out: text(res.stdout), err: text(res.stderr), code: res.exitCode };
  };
  const templates = async () => (await agent.client.listTemplates({})).templates.map((t) => t.name);
  /** Build capsules are gone (or going, for a canceled build): none counted, no directory beyond the listed capsules. */
  const noBuildCapsules = async () => {
    const deadline = Date.now() + 20_000;
    const count = async () => ({
      building: (await agent.client.getHostStats({})).capsulesBuilding,
      dirs: readdirSync(`${DATA_DIR}/capsules`).length,
      listed: (await agent.client.listCapsules({})).capsules.length,
    });
    let now = await count();
    while (Date.now() < deadline && (now.building > 0 || now.dirs !== now.listed)) {
      await sleep(100);
      now = await count();
    }
    expect(now.building).toBe(0);
    expect(now.dirs).toBe(now.listed);
  };

  beforeAll(async () => {
    rmSync(DATA_DIR, { recursive: true, force: true });
    agent = await startAgentProcess({ dataDir: DATA_DIR, env: { ...NETWORK.env, WRENN_PREBUILD_TEMPLATES: "minimal,python" } });
  }, 900_000);

  afterAll(async () => {
    if (agent) {
      await Promise.allSettled([...created].map((capsuleId) => agent.client.destroyCapsule({ capsuleId })));
      for (const name of await templates().catch(() => [])) await agent.client.deleteSnapshot({ name }).catch(() => {});
      await agent.stop();
    }
    const left = NETWORK.leftovers(DATA_DIR);
    if (left.mounts.length === 0) rmSync(DATA_DIR, { recursive: true, force: true });
    await NETWORK.remove();
    expect(left).toEqual({ netns: [], veths: [], rules: 0, mounts: [], runscProcesses: 0 });
  }, 120_000);

  it("builds a python template with a package, archive files, ENV, WORKDIR, a user and a running server", async () => {
    const steps: Step[] = [
      { instruction: "ENV", args: "APP_HOME=/srv/app" },
      { instruction: "ENV", args: 'GREETING="hello from $APP_HOME"' },
      { instruction: "COPY", args: "pkg /tmp/pkg" },
      { instruction: "RUN", args: "pip install --quiet --no-index --no-build-isolation --break-system-packages /tmp/pkg && rm -rf /tmp/pkg" },
      { instruction: "WORKDIR", args: "$APP_HOME" },
      { instruction: "COPY", args: "site/index.html bin/tool.sh ./" },
      { instruction: "RUN", args: "python3 -c 'import tinypkg; print(tinypkg.hello())' > pkg.txt && ./tool.sh > tool.txt" },
      { instruction: "USER", args: "app" },
      { instruction: "RUN", args: "echo $HOME > ~/home.txt && echo running-as-$(id -un)" },
      { instruction: "START", args: "python3 -m http.server 8000" },
    ];
    const { events, finished, logs } = await build({
      name: "itest-web",
      baseTemplate: "python",
      steps: steps.map((s) => ({ timeoutSec: 0, ...s })),
      healthcheck: { cmd: "curl -fsS localhost:8000/index.html", intervalSec: 1, retries: 20 },
      archive,
      archiveFormat: "tar.gz",
    });
    expect(finished.error).toBe("");
    expect(finished.ok).toBe(true);
    expect(finished.template).toMatchObject({ name: "itest-web", kind: TemplateKind.SNAPSHOT, defaultUser: "app", defaultWorkdir: "/srv/app", baseTemplate: "python" });
    expect(finished.template?.envs).toEqual({ APP_HOME: "/srv/app", GREETING: "hello from /srv/app" });
    const started = events.flatMap((e) => (e.case === "step" ? [`${e.value.index}:${e.value.instruction}`] : []));
    expect(started).toEqual([...steps.map((s, i) => `${i + 1}:${s.instruction}`), "11:HEALTHCHECK"]);
    expect(logs).toContain("running-as-app");
    expect(logs).toContain("healthcheck passed");
    await noBuildCapsules();

    // A capsule from it serves at once, through the agent's port proxy.
    const id = await create("itest-web");
    const page = await fetch(`${agent.url}/proxy/${id}/8000/index.html`);
    expect(await page.text()).toBe("hello from the archive\n");
    const who = await sh(id, 'echo "$(id -un)|$GREETING|$(pwd)|$(cat pkg.txt)|$(cat tool.txt)|$(cat ~/home.txt)|$(stat -c %U index.html)"');
    expect(who.out).toBe("app|hello from /srv/app|/srv/app|tinypkg says hi|tool-ran-as-root|/home/app|root\n");
    expect((await sh(id, "ls -l tool.sh | cut -c1-10")).out).toBe("-rwxr-xr-x\n");
    // Passwordless sudo is configured (gVisor runs no setuid binaries, so sudo itself cannot work there yet).
    const sudoers = await agent.client.exec({ capsuleId: id, cmd: "/bin/cat", args: ["/etc/sudoers.d/90-wrenn-app"], user: "root" });
    expect(text(sudoers.stdout)).toBe("app ALL=(ALL:ALL) NOPASSWD: ALL\n");

    // Rebuilding the name replaces it; the running capsule is unaffected. No START and no
    // healthcheck: an image template, which boots with any memory.
    const again = await build({ name: "itest-web", baseTemplate: "python", steps: [{ instruction: "RUN", args: "echo v2 > /version", timeoutSec: 0 }] });
    expect(again.finished.error).toBe("");
    expect(again.finished).toMatchObject({ ok: true, template: { kind: TemplateKind.IMAGE } });
    expect(await (await fetch(`${agent.url}/proxy/${id}/8000/index.html`)).text()).toBe("hello from the archive\n");
    expect((await sh(id, "cat /version 2>&1; echo $(id -un)")).out).toContain("No such file");
    const v2 = newId("capsule");
    created.add(v2);
    await agent.client.createCapsule({ capsuleId: v2, template: "itest-web", vcpus: 1, memoryMb: 384 });
    expect((await sh(v2, 'echo "$(cat /version) $(id -un) $(awk \'/MemTotal/ {print $2}\' /proc/meminfo)"')).out).toMatch(/^v2 user \d+\n$/);
    expect(await templates()).toContain("itest-web");
  }, 170_000);

  it("fails bad recipes with the step, the command and its output", async () => {
    const before = readdirSync(`${DATA_DIR}/capsules`).length;
    const unknown = await minimal("itest-bad", [{ instruction: "RUN", args: "true" }, { instruction: "FROM", args: "debian" }]);
    expect(unknown.finished).toMatchObject({ ok: false, failedStep: 2 });
    expect(unknown.finished.error).toMatch(/step 2: unknown instruction "FROM"/);
    expect(unknown.logs).not.toContain("build capsule");

    const missing = await minimal("itest-bad", [{ instruction: "COPY", args: "nope.txt /tmp/" }], { archive, archiveFormat: "tar.gz" });
    expect(missing.finished).toMatchObject({ ok: false, failedStep: 1 });
    expect(missing.finished.error).toMatch(/step 1 \(COPY nope.txt \/tmp\/\).*"nope.txt" is not in the archive/);
    expect(missing.logs).not.toContain("build capsule");
    expect(readdirSync(`${DATA_DIR}/capsules`)).toHaveLength(before);

    const failing = await minimal("itest-bad", [
      { instruction: "RUN", args: "echo one" },
      { instruction: "RUN", args: "echo about-to-fail; echo boom >&2; exit 3" },
      { instruction: "RUN", args: "echo never" },
    ]);
    expect(failing.finished, failing.finished.error).toMatchObject({ ok: false, failedStep: 2 });
    expect(failing.finished.error).toMatch(/^step 2 \(RUN echo about-to-fail; echo boom >&2; exit 3\) failed with exit code 3\n/);
    expect(failing.finished.error).toContain("boom");
    expect(failing.logs).not.toContain("never");

    const slow = await minimal("itest-bad", [{ instruction: "RUN", args: "echo started; sleep 30", timeoutSec: 1 }]);
    expect(slow.finished).toMatchObject({ ok: false, failedStep: 1 });
    expect(slow.finished.error).toMatch(/timed out after 1 s\nstarted/);

    const exited = await minimal("itest-bad", [{ instruction: "START", args: "echo bye; exit 4" }, { instruction: "RUN", args: "sleep 1" }]);
    expect(exited.finished).toMatchObject({ ok: false, failedStep: 1 });
    expect(exited.finished.error).toMatch(/exited with code 4; a START process must keep running\nbye/);

    const unhealthy = await minimal("itest-bad", [{ instruction: "START", args: "sleep 1000" }], {
      healthcheck: { cmd: "echo not-yet; exit 1", intervalSec: 1, retries: 2 },
    });
    expect(unhealthy.finished).toMatchObject({ ok: false, failedStep: 2 });
    expect(unhealthy.finished.error).toMatch(/^step 2 \(HEALTHCHECK echo not-yet; exit 1\) did not pass in 2 attempts; last: exit code 1\nnot-yet/);

    expect(await templates()).not.toContain("itest-bad");
    await noBuildCapsules();
  }, 120_000);

  it("cancels a build when the caller goes away: no capsule, no template", async () => {
    const abort = new AbortController();
    const seen: string[] = [];
    const running = (async () => {
      try {
        for await (const res of agent.client.buildTemplate(
          { buildId: newId("build"), name: "itest-cancel", baseTemplate: "minimal", vcpus: 1, memoryMb: 512, steps: [{ instruction: "RUN", args: "echo sleeping; sleep 120", timeoutSec: 0 }] },
          { signal: abort.signal },
        )) {
          if (res.event.case === "log" && text(res.event.value.data).includes("sleeping")) seen.push("sleeping");
        }
      } catch {
        seen.push("aborted");
      }
      seen.push("ended");
    })();
    while (!seen.includes("sleeping") && !seen.includes("ended")) await sleep(50);
    expect(seen).toEqual(["sleeping"]);
    expect((await agent.client.getHostStats({})).capsulesBuilding).toBe(1);
    expect((await agent.client.listCapsules({})).capsules.map((c) => c.template)).not.toContain("minimal");
    abort.abort();
    await running;
    expect(seen).toContain("aborted");
    await noBuildCapsules();
    expect(await templates()).not.toContain("itest-cancel");
  });

  it("cancels a build while its template is being saved: the saved template is removed again", async () => {
    const abort = new AbortController();
    let saving = false;
    let finished = false;
    const running = (async () => {
      try {
        for await (const res of agent.client.buildTemplate(
          // START makes it a snapshot template, whose save takes long enough to cancel into.
          { buildId: newId("build"), name: "itest-cancel-save", baseTemplate: "minimal", vcpus: 1, memoryMb: 512, steps: [{ instruction: "START", args: "sleep 600", timeoutSec: 0 }] },
          { signal: abort.signal },
        )) {
          if (res.event.case === "log" && text(res.event.value.data).includes("snapshotting the capsule")) saving = true;
          if (res.event.case === "finished") finished = true;
        }
      } catch {
        // canceled
      }
    })();
    for (let i = 0; i < 1200 && !saving; i++) await sleep(50);
    expect(saving).toBe(true);
    abort.abort();
    await running;
    expect(finished).toBe(false);
    // The agent finishes the save it cannot interrupt, then removes what it saved.
    for (let i = 0; i < 100 && (await templates()).includes("itest-cancel-save"); i++) await sleep(200);
    expect(await templates()).not.toContain("itest-cancel-save");
    await noBuildCapsules();
  }, 120_000);
});
