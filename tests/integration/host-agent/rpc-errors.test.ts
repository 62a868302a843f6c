import { Code, ConnectError } from "@connectrpc/connect";
import { newId } from "@wrenn/core";
import { CapsuleStatus, EgressMode } from "@wrenn/proto/hostagent/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent, type TestAgent } from "./support/agent.js";

const failure = async (call: Promise<unknown>): Promise<ConnectError> => {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ConnectError)) throw new Error(`expected a ConnectError, got ${String(err)}`);
  return err;
};

describe("host agent RPC: lifecycle and bad input", () => {
  let agent: TestAgent;
  let id: string;

  beforeAll(async () => {
    agent = await startTestAgent();
    id = await agent.newCapsule();
  });
  afterAll(async () => {
    await agent?.close();
  });

  it("answers NotFound for a capsule the agent does not hold", async () => {
    const unknown = newId("capsule");
    for (const call of [
      agent.client.exec({ capsuleId: unknown, cmd: "true" }),
      agent.client.readFile({ capsuleId: unknown, path: "/etc/hostname" }),
      agent.client.getCapsuleMetrics({ capsuleId: unknown }),
      agent.client.pauseCapsule({ capsuleId: unknown }),
    ]) {
      const err = await failure(call);
      expect(err.code).toBe(Code.NotFound);
      expect(err.rawMessage).toContain(unknown);
    }
    const stream = await failure(agent.client.execStream({ capsuleId: unknown, cmd: "true" })[Symbol.asyncIterator]().next());
    expect(stream.code).toBe(Code.NotFound);
  });

  it("answers InvalidArgument for a malformed capsule id, naming the expected form", async () => {
    for (const capsuleId of ["", "cl-short", "sb-0123456789abcdefghijklmno", "cl-0123456789ABCDEFGHIJKLMNO"]) {
      const err = await failure(agent.client.exec({ capsuleId, cmd: "true" }));
      expect(err.code).toBe(Code.InvalidArgument);
      expect(err.rawMessage).toMatch(/capsule_id/);
    }
  });

  it("answers InvalidArgument for an empty cmd and a missing process selector", async () => {
    const empty = await failure(agent.client.exec({ capsuleId: id, cmd: " " }));
    expect(empty.code).toBe(Code.InvalidArgument);
    expect(empty.rawMessage).toMatch(/cmd is required/);
    expect((await failure(agent.client.startBackground({ capsuleId: id, cmd: "" }))).code).toBe(Code.InvalidArgument);
    expect((await failure(agent.client.killProcess({ capsuleId: id }))).code).toBe(Code.InvalidArgument);
  });

  it("passes envd's own errors through with their code", async () => {
    const err = await failure(agent.client.exec({ capsuleId: id, cmd: "/no/such/program" }));
    expect(err.code).toBe(Code.NotFound);
  });

  it("lists, pings, pauses and resumes capsules; a paused capsule is FailedPrecondition", async () => {
    const { capsules } = await agent.client.listCapsules({});
    expect(capsules.find((c) => c.capsuleId === id)).toMatchObject({
      status: CapsuleStatus.RUNNING,
      template: "minimal",
      vcpus: 1,
      memoryMb: 512,
      network: { egress: EgressMode.ALLOW_ALL },
    });
    const pinged = await agent.client.pingCapsule({ capsuleId: id, timeoutSec: 120 });
    expect(pinged.capsule?.timeoutSec).toBe(120);

    expect((await agent.client.pauseCapsule({ capsuleId: id })).capsule?.status).toBe(CapsuleStatus.PAUSED);
    const paused = await failure(agent.client.exec({ capsuleId: id, cmd: "true" }));
    expect(paused.code).toBe(Code.FailedPrecondition);
    expect(paused.rawMessage).toMatch(/resume/);
    expect((await agent.client.resumeCapsule({ capsuleId: id })).capsule?.status).toBe(CapsuleStatus.RUNNING);
    // The connection dropped at pause is opened again on the next call.
    expect((await agent.client.exec({ capsuleId: id, cmd: "true" })).exitCode).toBe(0);
  });

  it("refuses a duplicate capsule id with AlreadyExists and a bad template name with InvalidArgument", async () => {
    expect((await failure(agent.client.createCapsule({ capsuleId: id, template: "minimal" }))).code).toBe(Code.AlreadyExists);
    expect((await failure(agent.client.createCapsule({ capsuleId: newId("capsule"), template: "../etc" }))).code).toBe(Code.InvalidArgument);
  });

  it("maps snapshot refusals and the unbuilt BuildTemplate to clear codes", async () => {
    expect((await failure(agent.client.createSnapshot({ capsuleId: id, name: "snap-1" }))).code).toBe(Code.FailedPrecondition);
    expect((await failure(agent.client.deleteSnapshot({ name: "nope" }))).code).toBe(Code.NotFound);
    expect((await agent.client.listTemplates({})).templates).toEqual([]);
    const build = await failure(agent.client.buildTemplate({ name: "x", baseTemplate: "minimal" })[Symbol.asyncIterator]().next());
    expect(build.code).toBe(Code.Unimplemented);
  });

  it("reports host stats", async () => {
    const stats = await agent.client.getHostStats({});
    expect(stats.cpuCores).toBeGreaterThan(0);
    expect(stats.memoryTotalBytes).toBeGreaterThan(0n);
    expect(stats.capsulesRunning).toBe(1);
    expect(stats.runtime).toBe("dev");
  });

  it("destroys a capsule, after which it is NotFound", async () => {
    const other = await agent.newCapsule();
    await agent.client.destroyCapsule({ capsuleId: other });
    expect((await failure(agent.client.exec({ capsuleId: other, cmd: "true" }))).code).toBe(Code.NotFound);
  });
});
