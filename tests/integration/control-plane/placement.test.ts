// Placement as the control plane does it: host specs and stats from the hosts table, load
// from the capsule rows, through Fleet.place (no agent is called: placing only picks).
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { WrennError, newId } from "@wrenn/core";
import { insertCapsule, type CapsuleStatus } from "@wrenn/db";
import { dbBackends } from "@wrenn/testkit";
import { startStack, type Stack } from "./support/stack.js";

describe.each(dbBackends)("placement over the hosts table on %s", (backend) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ backend, postgresUrl: inject("postgresUrl") });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const db = () => stack.cp.deps.db;
  const addHost = async (options: { memoryMb?: number; teamId?: string; stats?: Record<string, unknown>; status?: "online" | "unreachable" } = {}): Promise<string> => {
    const id = newId("host");
    await db()
      .insertInto("hosts")
      .values({
        id,
        type: options.teamId ? "byoc" : "regular",
        team_id: options.teamId ?? null,
        address: `10.99.0.${Math.floor(Math.random() * 200) + 1}:9726`,
        status: options.status ?? "online",
        mode: "registered",
        cpu_cores: 8,
        memory_mb: options.memoryMb ?? 5120,
        disk_gb: 100,
        stats: JSON.stringify(options.stats ?? {}),
        last_heartbeat_at: new Date(),
        deleted_at: null,
      })
      .execute();
    return id;
  };
  const addCapsule = async (hostId: string, memoryMb: number, status: CapsuleStatus = "running"): Promise<void> => {
    await insertCapsule(db(), { id: newId("capsule"), team_id: stack.account.teamId, host_id: hostId, template: "minimal", status, vcpus: 1, memory_mb: memoryMb, disk_mb: 1024 });
  };
  const place = (memoryMb: number, extra: { teamId?: string; hostId?: string } = {}) =>
    stack.cp.deps.fleet.place({ teamId: extra.teamId ?? stack.account.teamId, vcpus: 1, memoryMb, diskMb: 1024, hostId: extra.hostId ?? null });

  beforeEach(async () => {
    // Every test starts from an empty fleet (the stack's static host points nowhere).
    await db().deleteFrom("capsules").execute();
    await db().updateTable("hosts").set({ deleted_at: new Date() }).where("deleted_at", "is", null).execute();
    stack.cp.deps.fleet.invalidate();
  });

  it("puts a capsule on the less loaded host, counting running capsules from the database", async () => {
    const busy = await addHost();
    const idle = await addHost();
    await addCapsule(busy, 2048);
    expect((await place(512)).hostId).toBe(idle);
    await addCapsule(idle, 3072);
    expect((await place(512)).hostId).toBe(busy);
  });

  it("counts paused capsules partially, and the agent's own allocations (warm-pool spares, builds) reported in heartbeats", async () => {
    // 5120 MB - 1024 reserve = 4096 usable.
    const host = await addHost();
    await addCapsule(host, 4096, "paused");
    // A quarter of 4096 is held: 3072 MB free.
    expect((await place(3072)).hostId).toBe(host);
    await expect(place(3584)).rejects.toMatchObject({ code: "no_hosts_available" });
    const pooled = await addHost({ stats: { memory_allocated_mb: 3584, vcpus_allocated: 2 } });
    await expect(place(1024, { hostId: pooled })).rejects.toThrow(/memory/);
    expect((await place(512, { hostId: pooled })).hostId).toBe(pooled);
  });

  it("refuses with no_hosts_available and says why: nothing online, or no room", async () => {
    const error = await place(512).catch((err: unknown) => err);
    expect(WrennError.is(error, "no_hosts_available")).toBe(true);
    expect((error as Error).message).toMatch(/no host can take this capsule: .*online|registered/);
    await addHost({ status: "unreachable" });
    await expect(place(512)).rejects.toMatchObject({ code: "no_hosts_available" });
    await addHost({ memoryMb: 1536 });
    await expect(place(1024)).rejects.toThrow(/512 MB|memory/);
  });

  it("keeps BYOC teams on their own hosts and everyone else off them", async () => {
    const byocTeam = (await stack.newAccount(`byoc-${Date.now()}@example.test`)).teamId;
    await db().updateTable("teams").set({ is_byoc: true }).where("id", "=", byocTeam).execute();
    const shared = await addHost();
    const own = await addHost({ teamId: byocTeam });
    expect((await place(512, { teamId: byocTeam })).hostId).toBe(own);
    expect((await place(512)).hostId).toBe(shared);
    await db().updateTable("hosts").set({ status: "unreachable" }).where("id", "=", own).execute();
    stack.cp.deps.fleet.invalidate();
    await expect(place(512, { teamId: byocTeam })).rejects.toThrow(/BYOC|own hosts/);
  });

  it("pins a capsule to the host its snapshot template lives on", async () => {
    const a = await addHost();
    const b = await addHost();
    await addCapsule(a, 3072);
    expect((await place(512, { hostId: a })).hostId).toBe(a);
    await db().updateTable("hosts").set({ deleted_at: new Date() }).where("id", "=", a).execute();
    await expect(place(512, { hostId: a })).rejects.toThrow(new RegExp(`lives only on host ${a}`));
    expect((await place(512)).hostId).toBe(b);
  });
});
