import { randomBytes } from "node:crypto";
import { EnvdConnection } from "../envd/connection.js";
import { initEnvd } from "./envd-boot.js";
import { runtimeIdOf, type CapsuleEntry } from "./entry.js";
import type { ManagerInternals } from "./internals.js";
import type { StoredSnapshot } from "./snapshot-store.js";
import type { CreateCapsuleInput, NetworkPolicy } from "./types.js";

/**
 * Turns a warm-pool spare into the capsule a create asked for (ADR 0005). The spare keeps
 * its runtime id (directory, sandbox, network names); the record takes the requested id.
 * What is reset, all before the capsule is handed out:
 * - envd's access token: a fresh one, so the pool-time token stops working;
 * - env vars, default user and workdir, and the clock: `/init` again;
 * - hostname and /etc/hosts: the requested id (`Runtime.setHostname`, a `runsc exec` that
 *   costs ~35-60 ms, most of a claim), unless `keepSpareHostname` trades that for speed;
 * - egress policy: the requested one, when it differs from the pool's allow-all;
 * - timeout, metadata, and created/started/active times: the request's and now.
 * Nothing else ran in the spare since it booted: envd, one `/bin/true` that has ended
 * (`warmSpare`), and a snapshot template's own START processes; no call could reach it.
 * On failure the spare is left to the caller to destroy; the record is untouched.
 * Resolves with how long each part took (ms since the claim began), for the log.
 */
export async function claimSpare(
  m: ManagerInternals,
  spare: CapsuleEntry,
  input: CreateCapsuleInput,
  template: StoredSnapshot | undefined,
): Promise<Record<string, number>> {
  const phases: Record<string, number> = {};
  const net = spare.runtime.net!;
  const envs = { ...template?.envs, ...input.envs };
  const defaultUser = input.defaultUser || template?.defaultUser || m.deps.defaultUser || "";
  const defaultWorkdir = input.defaultWorkdir || template?.defaultWorkdir || "";
  const accessToken = randomBytes(24).toString("base64url");
  const baseUrl = m.baseUrl(spare);
  // The pool-time connection goes first: nothing of pool time talks to the claimed capsule.
  m.closeEnvd(spare);
  const began = performance.now();
  const timed = async (name: string, work: Promise<void> | undefined): Promise<void> => {
    if (!work) return;
    await work;
    phases[name] = Math.round(performance.now() - began);
  };
  await Promise.all([
    timed("init_ms", initEnvd(baseUrl, { accessToken, envVars: envs, defaultUser, defaultWorkdir, memoryLimitMb: spare.record.memoryMb }, spare.runtime.accessToken)),
    timed("hostname_ms", m.deps.keepSpareHostname ? undefined : m.deps.runtime.setHostname?.(runtimeIdOf(spare), input.id)),
    timed("policy_ms", samePolicy(net.policy, input.network) ? undefined : m.deps.network.setPolicy(net, input.network)),
  ]);
  net.policy = input.network;
  const now = Date.now();
  spare.envd = new EnvdConnection(baseUrl, accessToken);
  spare.runtime.accessToken = accessToken;
  spare.runtime.purpose = undefined;
  Object.assign(spare.record, {
    id: input.id,
    template: input.template,
    timeoutSec: input.timeoutSec,
    network: input.network,
    metadata: input.metadata,
    envs,
    defaultUser,
    defaultWorkdir,
    createdAt: now,
    startedAt: now,
    lastActiveAt: now,
  });
  await m.save(spare);
  phases.total_ms = Math.round(performance.now() - began);
  return phases;
}

/**
 * Runs `true` once in a fresh spare and waits for it to end. The first process a capsule
 * starts is several times slower than the next (envd's spawn path and the sandbox's page
 * cache are cold); paying that at pool time keeps it off the claimed capsule's first
 * command. Nothing is left behind: the process has ended before the spare is ready.
 */
export async function warmSpare(envd: EnvdConnection): Promise<void> {
  for await (const res of envd.process.start({ process: { cmd: "/bin/true", args: [], envs: {} }, stdin: false })) {
    if (res.event?.event.case === "end") break;
  }
}

function samePolicy(a: NetworkPolicy, b: NetworkPolicy): boolean {
  const same = (x: string[], y: string[]): boolean => x.length === y.length && x.every((v, i) => v === y[i]);
  return a.egress === b.egress && same(a.allowCidrs, b.allowCidrs) && same(a.allowDomains, b.allowDomains);
}
