// Real capsules under gVisor, driven through the host agent's Connect API.
import { createHash, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { newId } from "@wrenn/core";
import { CapsuleStatus, EgressMode, type CreateCapsuleRequest } from "@wrenn/proto/hostagent/v1";
import { readFileSync, writeFileSync } from "node:fs";
import { ownNetwork, startAgentProcess, type RunningAgent } from "@wrenn/testkit";
import { cpuCgroupDir } from "../../../packages/host-agent/src/runtime/gvisor/cgroup.js";

const DATA_DIR = "/var/tmp/wrenn-test-agent-capsules";
const POOL = "10.13.0.0/16";
const NETWORK = ownNetwork({ pool: POOL, chainPrefix: "TCAPS", vethPrefix: "tc" });
const hostResources = (dataDir: string) => NETWORK.leftovers(dataDir);
const text = (b: Uint8Array): string => Buffer.from(b).toString("utf8");

describe("host agent with real gVisor capsules", () => {
  let agent: RunningAgent;
  const forwarding = readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8");
  const created = new Set<string>();

  const create = async (overrides: Partial<CreateCapsuleRequest> = {}): Promise<string> => {
    const capsuleId = overrides.capsuleId ?? newId("capsule");
    created.add(capsuleId);
    const res = await agent.client.createCapsule({ capsuleId, template: "minimal", vcpus: 1, memoryMb: 512, diskMb: 2048, ...overrides });
    expect(res.capsule?.status).toBe(CapsuleStatus.RUNNING);
    return capsuleId;
  };
  const sh = async (capsuleId: string, script: string, extra: { user?: string; timeoutSec?: number } = {}) => {
    const res = await agent.client.exec({ capsuleId, cmd: "/bin/bash", args: ["-c", script], ...extra });
    return { out: text(res.stdout), err: text(res.stderr), code: res.exitCode, timedOut: res.timedOut };
  };
  const destroyAll = async (): Promise<void> => {
    await Promise.allSettled([...created].map((capsuleId) => agent.client.destroyCapsule({ capsuleId })));
    created.clear();
  };

  beforeAll(async () => {
    rmSync(DATA_DIR, { recursive: true, force: true });
    agent = await startAgentProcess({ dataDir: DATA_DIR, env: { ...NETWORK.env, WRENN_REAP_INTERVAL_MS: "200" } });
  }, 900_000);

  afterAll(async () => {
    if (agent) {
      await destroyAll().catch(() => {});
      await agent.stop();
    }
    const left = hostResources(DATA_DIR);
    rmSync(DATA_DIR, { recursive: true, force: true });
    // The agent leaves the host-wide chains for its next start; the test removes them.
    await NETWORK.remove();
    writeFileSync("/proc/sys/net/ipv4/ip_forward", forwarding);
    expect(left).toEqual({ netns: [], veths: [], rules: 0, mounts: [], runscProcesses: 0 });
  }, 120_000);

  it("creates a capsule, runs commands as root and as the default user, and moves files", async () => {
    const id = await create({ envs: { GREETING: "hello" } });
    const who = await sh(id, 'echo "$GREETING $(id -un) $(pwd)"');
    expect(who).toMatchObject({ out: "hello user /home/user\n", code: 0 });
    expect((await sh(id, "id -u", { user: "root" })).out).toBe("0\n");
    expect((await sh(id, "exit 7")).code).toBe(7);
    expect((await sh(id, "sleep 5", { timeoutSec: 1 })).timedOut).toBe(true);

    // Streamed exec
    const events: string[] = [];
    for await (const ev of agent.client.execStream({ capsuleId: id, cmd: "/bin/bash", args: ["-c", "echo a; echo b >&2; exit 3"] })) {
      const e = ev.event;
      if (e.case === "stdout" || e.case === "stderr") events.push(`${e.case}:${text(e.value).trim()}`);
      if (e.case === "exit") events.push(`exit:${e.value.exitCode}`);
    }
    expect(events).toContain("stdout:a");
    expect(events).toContain("stderr:b");
    expect(events.at(-1)).toBe("exit:3");

    // Files: unary write/read, list, stat, mkdir, move, remove
    await agent.client.writeFile({ capsuleId: id, path: "~/notes/a.txt", data: Buffer.from("one") });
    expect(text((await agent.client.readFile({ capsuleId: id, path: "/home/user/notes/a.txt" })).data)).toBe("one");
    await agent.client.move({ capsuleId: id, source: "~/notes/a.txt", destination: "~/notes/b.txt" });
    const list = await agent.client.listDir({ capsuleId: id, path: "~/notes", depth: 1 });
    expect(list.entries.map((e) => e.name)).toEqual(["b.txt"]);
    expect(list.entries[0]!.owner).toBe("user");
    await agent.client.removePath({ capsuleId: id, path: "~/notes" });
    await expect(agent.client.stat({ capsuleId: id, path: "~/notes" })).rejects.toMatchObject({ code: Code.NotFound });

    // 200 MB streamed both ways, checksummed
    const chunk = randomBytes(1 << 20);
    const sent = createHash("sha256");
    async function* upload() {
      yield { part: { case: "header" as const, value: { capsuleId: id, path: "/tmp/big.bin" } } };
      for (let i = 0; i < 200; i++) {
        sent.update(chunk);
        yield { part: { case: "chunk" as const, value: chunk } };
      }
    }
    await agent.client.writeFileStream(upload());
    const got = createHash("sha256");
    let size = 0;
    for await (const part of agent.client.readFileStream({ capsuleId: id, path: "/tmp/big.bin" })) {
      got.update(part.chunk);
      size += part.chunk.length;
    }
    expect(size).toBe(200 << 20);
    const sentHex = sent.digest("hex");
    expect(got.digest("hex")).toBe(sentHex);
    expect((await sh(id, "sha256sum /tmp/big.bin")).out.split(" ")[0]).toBe(sentHex);
  });

  it("runs a PTY and a background process that outlive their streams", async () => {
    const id = await create();
    const pty = new AbortController();
    let output = "";
    let tag = "";
    const attached = (async () => {
      try {
        for await (const ev of agent.client.ptyAttach({ capsuleId: id, start: { cmd: "/bin/bash", cols: 100, rows: 30 } }, { signal: pty.signal })) {
          if (ev.event.case === "started") tag = ev.event.value.tag;
          if (ev.event.case === "output") output += text(ev.event.value);
        }
      } catch {
        // aborted below
      }
    })();
    while (!tag) await sleep(20);
    await agent.client.ptyResize({ capsuleId: id, tag, cols: 120, rows: 40 });
    await agent.client.ptySendInput({ capsuleId: id, tag, data: Buffer.from("stty size; echo pty-$((6*7))\n") });
    while (!output.includes("pty-42")) await sleep(20);
    expect(output).toContain("40 120");
    pty.abort();
    await attached;
    // Re-attach by tag: the shell is still there.
    const again = new AbortController();
    let second = "";
    const reattached = (async () => {
      try {
        for await (const ev of agent.client.ptyAttach({ capsuleId: id, tag }, { signal: again.signal })) {
          if (ev.event.case === "output") second += text(ev.event.value);
        }
      } catch {
        // aborted below
      }
    })();
    await sleep(200);
    await agent.client.ptySendInput({ capsuleId: id, tag, data: Buffer.from("echo back-$((1+1))\n") });
    while (!second.includes("back-2")) await sleep(20);
    again.abort();
    await reattached;
    await agent.client.ptyKill({ capsuleId: id, tag });

    const bg = await agent.client.startBackground({ capsuleId: id, cmd: "/bin/bash", args: ["-c", "while true; do echo tick; sleep 0.2; done"], tag: "ticker" });
    expect(bg.pid).toBeGreaterThan(0);
    const procs = await agent.client.listProcesses({ capsuleId: id });
    expect(procs.processes.map((p) => p.tag)).toContain("ticker");
    let ticks = 0;
    const watch = new AbortController();
    try {
      for await (const ev of agent.client.connectProcess({ capsuleId: id, process: { selector: { case: "tag", value: "ticker" } } }, { signal: watch.signal })) {
        if (ev.event.case === "stdout" && text(ev.event.value).includes("tick") && ++ticks >= 2) watch.abort();
      }
    } catch {
      // aborted
    }
    expect(ticks).toBeGreaterThanOrEqual(2);
    await agent.client.killProcess({ capsuleId: id, process: { selector: { case: "tag", value: "ticker" } } });
  });

  it("pauses to disk and resumes with processes, memory, files and a listening server intact", async () => {
    const id = await create();
    await sh(id, "echo kept > ~/file.txt");
    await agent.client.startBackground({ capsuleId: id, cmd: "/bin/bash", args: ["-c", "i=0; while true; do i=$((i+1)); echo $i > /tmp/counter; sleep 0.1; done"], tag: "counter" });
    await agent.client.startBackground({ capsuleId: id, cmd: "/opt/wrenn/node/bin/node", args: ["-e", "let hits=0; const big=Buffer.alloc(64<<20,7); require('http').createServer((q,s)=>s.end('hits='+(++hits)+' sum='+big[12345])).listen(8080)"], tag: "server" });
    await sleep(500);
    const before = Number((await sh(id, "cat /tmp/counter")).out);
    expect((await sh(id, "curl -s localhost:8080")).out).toBe("hits=1 sum=7");

    const paused = await agent.client.pauseCapsule({ capsuleId: id });
    expect(paused.capsule?.status).toBe(CapsuleStatus.PAUSED);
    await expect(agent.client.exec({ capsuleId: id, cmd: "true" })).rejects.toMatchObject({ code: Code.FailedPrecondition });
    expect(execFileSync("ip", ["netns", "list"], { encoding: "utf8" })).not.toContain(`tcaps-${id}`);
    await sleep(300);

    const resumed = await agent.client.resumeCapsule({ capsuleId: id });
    expect(resumed.capsule?.status).toBe(CapsuleStatus.RUNNING);
    const after = Number((await sh(id, "cat /tmp/counter")).out);
    expect(after).toBeGreaterThanOrEqual(before);
    await sleep(300);
    expect(Number((await sh(id, "cat /tmp/counter")).out)).toBeGreaterThan(after);
    expect((await sh(id, "cat ~/file.txt")).out).toBe("kept\n");
    expect((await sh(id, "curl -s localhost:8080")).out).toBe("hits=2 sum=7");
    // And from the host, through the agent's port proxy.
    const proxied = await fetch(`${agent.url}/proxy/${id}/8080/`);
    expect(await proxied.text()).toBe("hits=3 sum=7");
  });

  it("snapshots a capsule and restores three new capsules from it, each with its own layer", async () => {
    const source = await create();
    await sh(source, "echo from-snapshot > ~/seed.txt");
    await agent.client.startBackground({ capsuleId: source, cmd: "/bin/bash", args: ["-c", "while true; do sleep 0.2; done"], tag: "resident" });
    const snap = await agent.client.createSnapshot({ capsuleId: source, name: "itest-snap", overwrite: true });
    expect(snap.template?.name).toBe("itest-snap");
    expect(snap.capsule?.status).toBe(CapsuleStatus.RUNNING);
    expect((await sh(source, "cat ~/seed.txt")).out).toBe("from-snapshot\n");

    const clones = await Promise.all([0, 1, 2].map(() => create({ template: "itest-snap" })));
    for (const [i, clone] of clones.entries()) {
      expect((await sh(clone, "cat ~/seed.txt")).out).toBe("from-snapshot\n");
      const procs = await agent.client.listProcesses({ capsuleId: clone });
      expect(procs.processes.map((p) => p.tag)).toContain("resident");
      await sh(clone, `echo mine-${i} > ~/own.txt`);
    }
    expect((await sh(clones[0]!, "cat ~/own.txt")).out).toBe("mine-0\n");
    expect((await sh(source, "cat ~/own.txt 2>&1")).code).not.toBe(0);
    const templates = await agent.client.listTemplates({});
    expect(templates.templates.map((t) => t.name)).toContain("itest-snap");
    for (const clone of clones) await agent.client.destroyCapsule({ capsuleId: clone });
    await agent.client.deleteSnapshot({ name: "itest-snap" });
    await expect(agent.client.deleteSnapshot({ name: "itest-snap" })).rejects.toMatchObject({ code: Code.NotFound });
  });

  it("kills a memory hog inside its capsule while the capsule and its neighbours carry on", async () => {
    const [hogged, neighbour] = await Promise.all([create({ memoryMb: 256 }), create()]);
    const res = await sh(hogged, "/opt/wrenn/node/bin/node -e 'const a=[]; for(;;) a.push(Buffer.alloc(32<<20, 1))'");
    expect(res.code).not.toBe(0);
    expect((await sh(hogged, "echo alive")).out).toBe("alive\n");
    expect((await sh(neighbour, "echo fine")).out).toBe("fine\n");
  });

  it("caps a capsule's CPU at its vcpus, also after a pause and resume", async () => {
    const id = await create({ vcpus: 1 });
    const { dir, unified } = await cpuCgroupDir(id);
    const quota = (): string =>
      unified ? readFileSync(`${dir}/cpu.max`, "utf8").trim() : `${readFileSync(`${dir}/cpu.cfs_quota_us`, "utf8").trim()} ${readFileSync(`${dir}/cpu.cfs_period_us`, "utf8").trim()}`;
    const usedNs = (): number =>
      unified
        ? Number(/^usage_usec (\d+)/m.exec(readFileSync(`${dir}/cpu.stat`, "utf8"))![1]) * 1000
        : Number(readFileSync(dir.replace("/cpu/", "/cpuacct/") + "/cpuacct.usage", "utf8"));
    expect(quota()).toBe("100000 100000");
    // Two busy loops for 3 s: uncapped they would take both of the host's cores.
    const before = usedNs();
    const started = performance.now();
    await sh(id, "for i in 1 2; do timeout 3 sh -c 'while :; do :; done' & done; wait");
    const cores = (usedNs() - before) / 1e6 / (performance.now() - started);
    expect(cores).toBeGreaterThan(0.5);
    expect(cores).toBeLessThan(1.2);
    await agent.client.pauseCapsule({ capsuleId: id });
    await agent.client.resumeCapsule({ capsuleId: id });
    expect(quota()).toBe("100000 100000");
  });

  it("bounds the writable layer by disk_mb and reports guest metrics and host stats", async () => {
    const id = await create({ diskMb: 300 });
    const fill = await sh(id, "head -c 400000000 /dev/zero > /home/user/fill; echo rc=$?");
    const filledAt = Date.now();
    expect(fill.out).toBe("rc=1\n");
    expect(fill.err).toMatch(/No space left on device/);
    expect((await sh(id, "echo still-here")).out).toBe("still-here\n");
    const deadline = Date.now() + 10_000;
    let points: Awaited<ReturnType<typeof agent.client.getCapsuleMetrics>>["points"] = [];
    // Wait for a sample taken after the disk filled up.
    while (Date.now() < deadline && !(points.length >= 2 && Number(points.at(-1)!.ts?.seconds ?? 0) * 1000 > filledAt + 1000)) {
      await sleep(500);
      points = (await agent.client.getCapsuleMetrics({ capsuleId: id })).points;
    }
    const last = points.at(-1)!;
    expect(Number(last.diskBytes)).toBeGreaterThan(200 * 1024 * 1024);
    expect(Number(last.diskBytes)).toBeLessThanOrEqual(300 * 1024 * 1024);
    expect(Number(last.memBytes)).toBeGreaterThan(0);
    expect(Number(last.memBytes)).toBeLessThanOrEqual(512 * 1024 * 1024);
    const flushed = await agent.client.flushCapsuleMetrics({ capsuleId: id });
    expect(flushed.tier1s.length).toBeGreaterThanOrEqual(points.length);
    const stats = await agent.client.getHostStats({});
    expect(stats.capsulesRunning).toBeGreaterThanOrEqual(1);
    expect(stats.runtime).toBe("gvisor");
    await sh(id, "rm -f /home/user/fill");
  });

  it("isolates capsules from each other and from the host, and enforces egress policy", async () => {
    const a = await create();
    const b = await create({ network: { egress: EgressMode.DENY_ALL, allowCidrs: [], allowDomains: [] } });
    const bAddr = (await agent.client.listCapsules({})).capsules.find((c) => c.capsuleId === b)!.address;
    await agent.client.startBackground({ capsuleId: b, cmd: "/opt/wrenn/node/bin/node", args: ["-e", "require('http').createServer((q,s)=>s.end('b')).listen(8081)"] });
    await sleep(300);
    // The host reaches B's port; A cannot.
    expect(await (await fetch(`${agent.url}/proxy/${b}/8081/`)).text()).toBe("b");
    expect((await sh(a, `curl -s -m 2 http://${bAddr}:8081/ || echo blocked`)).out).toContain("blocked");
    // Nobody in a capsule reaches the agent's RPC port on any host address.
    const hostAddrs = execFileSync("hostname", ["-I"], { encoding: "utf8" }).trim().split(/\s+/).filter((x) => x.includes("."));
    const gateway = (await sh(a, "ip route | awk '/default/ {print $3}'")).out.trim() || bAddr.replace(/\.\d+$/, ".1");
    // All at once: other test files add host addresses (bridges, veths), 2 s each in turn is too long.
    const probes = [gateway, ...hostAddrs].map((host) => `(curl -s -m 2 -o /dev/null http://${host}:${agent.port}/health && echo "reached ${host}" || echo "blocked ${host}") &`);
    const probed = (await sh(a, `${probes.join("\n")}\nwait`)).out.trim().split("\n").sort();
    expect(probed).toEqual([gateway, ...hostAddrs].map((host) => `blocked ${host}`).sort());
    // B may not open connections out; A may (to the host-side peer of another network).
    expect((await sh(b, "curl -s -m 2 http://1.1.1.1/ -o /dev/null && echo out || echo blocked")).out).toContain("blocked");
    await agent.client.updateNetworkPolicy({ capsuleId: b, network: { egress: EgressMode.ALLOW_ALL, allowCidrs: [], allowDomains: [] } });
  });

  it("auto-pauses an idle capsule and reports it once", async () => {
    const id = await create({ timeoutSec: 2 });
    const deadline = Date.now() + 20_000;
    let reported: string[] = [];
    let status: CapsuleStatus | undefined;
    // Every ListCapsules drains the auto-paused ids, so every answer is kept.
    while (Date.now() < deadline && !reported.includes(id)) {
      const list = await agent.client.listCapsules({});
      reported = reported.concat(list.autoPausedIds);
      status = list.capsules.find((c) => c.capsuleId === id)?.status;
      await sleep(250);
    }
    const list = await agent.client.listCapsules({});
    reported = reported.concat(list.autoPausedIds);
    expect(list.capsules.find((c) => c.capsuleId === id)?.status).toBe(CapsuleStatus.PAUSED);
    expect(status).toBe(CapsuleStatus.PAUSED);
    expect(reported.filter((x) => x === id)).toEqual([id]);
  });

  it("creates 20 capsules concurrently", async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, () => create({ memoryMb: 256 })));
    const outs = await Promise.all(ids.map((id) => sh(id, "hostname")));
    expect(outs.map((o) => o.out.trim())).toEqual(ids);
    await Promise.all(ids.map((capsuleId) => agent.client.destroyCapsule({ capsuleId })));
    for (const id of ids) created.delete(id);
  }, 300_000);

  it("keeps capsules running across an agent restart and removes debris of gone ones", async () => {
    const id = await create();
    await sh(id, "echo survived > /tmp/mark");
    await agent.kill();
    execFileSync("ip", ["netns", "add", "tcaps-cl-debris0000000000000000000000-g0"]);
    agent = await startAgentProcess({ dataDir: DATA_DIR, env: { ...NETWORK.env, WRENN_REAP_INTERVAL_MS: "200" } });
    const list = await agent.client.listCapsules({});
    expect(list.capsules.find((c) => c.capsuleId === id)?.status).toBe(CapsuleStatus.RUNNING);
    expect((await sh(id, "cat /tmp/mark")).out).toBe("survived\n");
    expect(execFileSync("ip", ["netns", "list"], { encoding: "utf8" })).not.toContain("debris");
  });

  it("leaves no sandbox behind when the caller cancels a create at any moment", async () => {
    const runscFor = (id: string): number =>
      execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).split("\n").filter((l) => l.includes("runsc") && l.includes(id)).length;
    // Spread over the create: network and disk, `runsc run`, envd's boot.
    for (const delayMs of [50, 120, 190, 260, 330, 450]) {
      const capsuleId = newId("capsule");
      const abort = new AbortController();
      setTimeout(() => abort.abort(), delayMs);
      const outcome = await agent.client
        .createCapsule({ capsuleId, template: "minimal", vcpus: 1, memoryMb: 256 }, { signal: abort.signal })
        .then(() => "created", (err: unknown) => (err as ConnectError).code);
      if (outcome === "created") {
        created.add(capsuleId);
        continue;
      }
      expect(outcome).toBe(Code.Canceled);
      // The agent finishes or undoes the create after the caller has gone. A create that
      // completed as the cancel crossed it is a whole capsule; anything else leaves nothing.
      const listed = async (): Promise<boolean> => (await agent.client.listCapsules({})).capsules.some((c) => c.capsuleId === capsuleId);
      const traces = (): string[] => {
        const left = hostResources(DATA_DIR);
        return [...left.netns, ...left.mounts].filter((x) => x.includes(capsuleId));
      };
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && (runscFor(capsuleId) > 0 || traces().length > 0) && !(await listed())) await sleep(100);
      if (await listed()) await agent.client.destroyCapsule({ capsuleId });
      expect(runscFor(capsuleId), `runsc processes left after cancelling at ${delayMs} ms`).toBe(0);
      expect(traces(), `namespaces or mounts left after cancelling at ${delayMs} ms`).toEqual([]);
      expect(await listed()).toBe(false);
    }
  });

  it("rejects bad input clearly and leaves nothing behind", async () => {
    const before = hostResources(DATA_DIR);
    const cases: [Partial<CreateCapsuleRequest>, Code, RegExp][] = [
      [{ template: "no-such-template" }, Code.NotFound, /unknown template "no-such-template"/],
      [{ vcpus: 0 }, Code.InvalidArgument, /vcpus must be from 1 to \d+/],
      [{ memoryMb: 16 }, Code.InvalidArgument, /memory_mb must be from 128/],
      [{ capsuleId: "not-an-id" }, Code.InvalidArgument, /capsule_id/],
    ];
    for (const [overrides, code, message] of cases) {
      const err = await agent.client
        .createCapsule({ capsuleId: newId("capsule"), template: "minimal", vcpus: 1, memoryMb: 512, ...overrides })
        .then(() => undefined, (e: unknown) => ConnectError.from(e));
      expect(err?.code, String(overrides)).toBe(code);
      expect(err?.rawMessage).toMatch(message);
    }
    await expect(agent.client.exec({ capsuleId: newId("capsule"), cmd: "true" })).rejects.toMatchObject({ code: Code.NotFound });
    const id = await create();
    await expect(agent.client.readFile({ capsuleId: id, path: "/no/such/file" })).rejects.toMatchObject({ code: Code.NotFound });
    await expect(agent.client.readFile({ capsuleId: id, path: "/tmp" })).rejects.toMatchObject({ code: Code.InvalidArgument });
    await expect(agent.client.resumeCapsule({ capsuleId: id })).rejects.toMatchObject({ code: Code.FailedPrecondition });
    await agent.client.destroyCapsule({ capsuleId: id });
    created.delete(id);
    const after = hostResources(DATA_DIR);
    expect(after.netns.length).toBe(before.netns.length);
    expect(after.mounts.length).toBe(before.mounts.length);
  });

  it("destroys everything it made", async () => {
    await destroyAll();
    expect(hostResources(DATA_DIR)).toMatchObject({ netns: [], veths: [], mounts: [], runscProcesses: 0 });
  });
});
