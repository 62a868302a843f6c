// The agent's in-memory transport (`AgentServer.localTransport()`, used by `wrenn up`'s
// control plane): the same handlers, errors and Server-Timing as the agent's port, and
// the control plane's handle sends only unary calls through it (streams keep HTTP/2).
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { connectAgent } from "@wrenn/control-plane";
import { newId } from "@wrenn/core";
import { HostAgentService } from "@wrenn/proto/hostagent/v1";
import { describe, expect, it } from "vitest";
import { useAgentWithCapsule } from "./support/agent.js";

describe("host agent RPC in memory", () => {
  const test = useAgentWithCapsule();

  it("answers like the port: results, error codes and messages, Server-Timing of the handler", async () => {
    const { agent, id } = test;
    const local = createClient(HostAgentService, agent.server.localTransport());
    const timings: string[] = [];
    const onHeader = (header: Headers): void => void timings.push(header.get("server-timing") ?? "");
    const viaPort = await agent.client.exec({ capsuleId: id, cmd: "echo", args: ["hi"] }, { onHeader });
    const viaMemory = await local.exec({ capsuleId: id, cmd: "echo", args: ["hi"] }, { onHeader });
    expect(Buffer.from(viaMemory.stdout).toString()).toBe("hi\n");
    expect(viaMemory.exitCode).toBe(viaPort.exitCode);
    expect(timings).toEqual([expect.stringMatching(/^handler;dur=\d+\.\d\d$/), expect.stringMatching(/^handler;dur=\d+\.\d\d$/)]);

    const unknown = newId("capsule");
    const errors = await Promise.all([agent.client, local].map((client) => client.pauseCapsule({ capsuleId: unknown }).catch((err: unknown) => err)));
    for (const err of errors) {
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code).toBe(Code.NotFound);
    }
    expect((errors[1] as ConnectError).rawMessage).toBe((errors[0] as ConnectError).rawMessage);
    const bad = await local.exec({ capsuleId: "cl-short", cmd: "true" }).catch((err: unknown) => err);
    expect((bad as ConnectError).code).toBe(Code.InvalidArgument);
  });

  it("a control-plane handle with it sends unary calls in memory and streams over HTTP/2", async () => {
    const { agent, id } = test;
    // Nothing listens at this URL: whatever works went through memory.
    const handle = connectAgent("host-local", "http://127.0.0.1:1", undefined, agent.server.localTransport());
    const { capsules } = await handle.client.listCapsules({});
    expect(capsules.map((c) => c.capsuleId)).toContain(id);
    const stream = handle.client.execStream({ capsuleId: id, cmd: "true" });
    const err = await stream[Symbol.asyncIterator]().next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unavailable);
  });
});
