import { findUsableTemplate, placementView, transitionCapsuleRecorded, type NewCapsule } from "@wrenn/db";
import { dbBackends, openTestDatabase, type TestDatabase } from "@wrenn/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

// The queries a capsule create runs, each folded into one round trip: they must say what
// the several queries they replaced said.
describe.each(dbBackends)("capsule create queries on %s", (kind) => {
  let database: TestDatabase;
  const capsule = (id: string, hostId: string | null, status: NewCapsule["status"], vcpus: number, memoryMb: number): NewCapsule => ({
    id,
    team_id: "team-a",
    host_id: hostId,
    template: "minimal",
    status,
    vcpus,
    memory_mb: memoryMb,
    disk_mb: 1000,
  });

  beforeAll(async () => {
    database = await openTestDatabase(kind, { postgresUrl: inject("postgresUrl") });
    const { db } = database;
    await db.insertInto("teams").values([{ id: "team-a", name: "A", is_byoc: true }, { id: "team-b", name: "B" }]).execute();
    await db.insertInto("hosts").values([{ id: "host-1" }, { id: "host-2" }, { id: "host-gone", deleted_at: new Date() }]).execute();
    await db
      .insertInto("capsules")
      .values([
        capsule("c-run", "host-1", "running", 2, 512),
        capsule("c-pend", "host-1", "pending", 1, 256),
        capsule("c-pause", "host-1", "paused", 4, 1024),
        capsule("c-stop", "host-1", "stopped", 8, 8192),
        capsule("c-err", "host-2", "error", 8, 8192),
        capsule("c-nohost", null, "running", 8, 8192),
      ])
      .execute();
    await db
      .insertInto("templates")
      .values([
        { id: "t-platform", name: "shared", kind: "snapshot", agent_name: "platform-shared" },
        { id: "t-team", name: "shared", kind: "snapshot", agent_name: "team-shared", team_id: "team-a" },
        { id: "t-b", name: "only-b", kind: "snapshot", agent_name: "b", team_id: "team-b" },
      ])
      .execute();
  });
  afterAll(async () => {
    await database?.cleanup();
  });

  it("placementView: live hosts, what each holds (pending counts as running), and the team's BYOC flag", async () => {
    const view = await placementView(database.db, "team-a");
    expect(view.hosts.map((h) => h.id)).toEqual(["host-1", "host-2"]);
    expect(view.teamIsByoc).toBe(true);
    expect(view.loads.get("host-1")).toEqual({
      hostId: "host-1",
      running: { vcpus: 3, memoryMb: 768, diskMb: 2000, count: 2 },
      paused: { vcpus: 4, memoryMb: 1024, diskMb: 1000, count: 1 },
    });
    // Stopped and failed capsules hold nothing.
    expect(view.loads.has("host-2")).toBe(false);
    expect((await placementView(database.db, "team-b")).teamIsByoc).toBe(false);
    expect((await placementView(database.db, null)).teamIsByoc).toBe(false);
  });

  it("findUsableTemplate: the team's own first, then the platform's, never another team's", async () => {
    expect((await findUsableTemplate(database.db, "team-a", "shared"))?.agent_name).toBe("team-shared");
    expect((await findUsableTemplate(database.db, "team-b", "shared"))?.agent_name).toBe("platform-shared");
    expect((await findUsableTemplate(database.db, null, "shared"))?.agent_name).toBe("platform-shared");
    expect(await findUsableTemplate(database.db, "team-a", "only-b")).toBeUndefined();
  });

  it("transitionCapsuleRecorded: moves the row and writes its audit row and events together, or writes nothing", async () => {
    const { db } = database;
    await db.insertInto("channels").values({ id: "ch-1", team_id: "team-a", scope: "team", name: "hook", provider: "webhook", config_encrypted: "x", events: JSON.stringify(["capsule.running"]) }).execute();
    const records = {
      audit: { teamId: "team-a", actorType: "api_key" as const, actorId: "key-1", action: "capsule.create", resourceType: "capsule", resourceId: "c-pend", metadata: { vcpus: 1 } },
      events: [
        { type: "capsule.created", teamId: "team-a", resourceId: "c-pend", data: {} },
        { type: "capsule.running", teamId: "team-a", resourceId: "c-pend", data: { template: "minimal" } },
      ],
    };
    const row = await transitionCapsuleRecorded(db, "c-pend", ["pending"], { status: "running", envd_version: "1.2.3" }, records);
    expect(row).toMatchObject({ id: "c-pend", status: "running", envd_version: "1.2.3", vcpus: 1 });
    expect(row!.created_at).toBeInstanceOf(Date);
    const audit = await db.selectFrom("audit_logs").selectAll().where("resource_id", "=", "c-pend").execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "capsule.create", actor_type: "api_key", actor_id: "key-1", metadata: { vcpus: 1 } });
    // Only the event a channel listens to is recorded, with its delivery.
    const events = await db.selectFrom("events").selectAll().where("resource_id", "=", "c-pend").execute();
    expect(events.map((e) => e.type)).toEqual(["capsule.running"]);
    expect(events[0]!.data).toEqual({ template: "minimal" });
    const deliveries = await db.selectFrom("event_deliveries").selectAll().where("event_id", "=", events[0]!.id).execute();
    expect(deliveries.map((d) => d.channel_id)).toEqual(["ch-1"]);

    // The status has moved on: nothing is written.
    expect(await transitionCapsuleRecorded(db, "c-pend", ["pending"], { status: "error" }, records)).toBeUndefined();
    expect(await db.selectFrom("audit_logs").selectAll().where("resource_id", "=", "c-pend").execute()).toHaveLength(1);
    expect(await db.selectFrom("events").selectAll().where("resource_id", "=", "c-pend").execute()).toHaveLength(1);
    expect((await db.selectFrom("capsules").select("status").where("id", "=", "c-pend").executeTakeFirst())?.status).toBe("running");
  });
});
