import { newId } from "@wrenn/core";
import { insertCapsule, updateCapsule, type CapsuleStatus } from "@wrenn/db";
import type { TestAgent } from "./agent.js";
import type { Stack } from "./stack.js";

const SPEC = { template: "minimal", vcpus: 1, memoryMb: 512, diskMb: 2048 } as const;

/** A real capsule on the agent (minimal template); returns its id. Destroy it with the agent's client. */
export async function createAgentCapsule(agent: TestAgent): Promise<string> {
  const capsuleId = newId("capsule");
  await agent.client.createCapsule({ capsuleId, ...SPEC });
  return capsuleId;
}

/**
 * Makes a capsule that runs on the agent known to a stack's database, as the create route
 * would: a running row of the stack's team (or `teamId`) on the stack's host. The same
 * agent capsule can be registered in several stacks (one per database back end).
 */
export async function registerCapsule(stack: Stack, capsuleId: string, options: { teamId?: string; publicPorts?: boolean } = {}): Promise<void> {
  await insertCapsule(stack.cp.deps.db, {
    id: capsuleId,
    team_id: options.teamId ?? stack.account.teamId,
    host_id: stack.cp.staticHostId!,
    template: SPEC.template,
    status: "running",
    vcpus: SPEC.vcpus,
    memory_mb: SPEC.memoryMb,
    disk_mb: SPEC.diskMb,
    public_ports: options.publicPorts ?? true,
    started_at: new Date(),
    last_active_at: new Date(),
  });
}

/** A capsule on the agent and in the stack's database. */
export async function createTestCapsule(stack: Stack, agent: TestAgent, options: { teamId?: string; publicPorts?: boolean } = {}): Promise<string> {
  const id = await createAgentCapsule(agent);
  await registerCapsule(stack, id, options);
  return id;
}

/** Sets a capsule's status in the database only (what the control plane believes). */
export async function setCapsuleStatus(stack: Stack, capsuleId: string, status: CapsuleStatus): Promise<void> {
  await updateCapsule(stack.cp.deps.db, capsuleId, { status });
}
