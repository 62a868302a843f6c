/**
 * Capsule placement: which host a new capsule runs on. Pure functions over a snapshot of
 * the hosts; the caller loads the snapshot and records the decision.
 *
 * Capacity per dimension is `spec * overcommit - reserve` (CPU in vCPUs, memory in MB, disk
 * in MB). A host whose capacity in any dimension is zero or less cannot take capsules —
 * in particular a host that has not reported its specs yet (cpuCores 0, memoryMb 0 or
 * diskGb 0) is never chosen.
 */

export interface ResourceUse {
  vcpus: number;
  memoryMb: number;
  diskMb: number;
}

export interface HostCandidate {
  id: string;
  type: "regular" | "byoc";
  teamId: string | null;
  status: "pending" | "online" | "unreachable" | "draining";
  cpuCores: number;
  memoryMb: number;
  diskGb: number;
  tags: string[];
  /** Sum over its pending+running capsules. */
  running: ResourceUse;
  /** Sum over its paused capsules. */
  paused: ResourceUse;
  /** From the last heartbeat, if known: free disk on the agent's data volume. */
  diskFreeGb?: number;
}

export interface PlacementRequest {
  teamId: string;
  teamIsByoc: boolean;
  vcpus: number;
  memoryMb: number;
  diskMb: number;
  tags?: string[];
}

export interface PlacementPolicy {
  /** Kept free for the host itself. */
  reserveCpuCores: number;
  reserveMemoryMb: number;
  reserveDiskGb: number;
  /** Capacity multipliers. */
  cpuOvercommit: number;
  memoryOvercommit: number;
  diskOvercommit: number;
  /** Paused capsules count partially (their disk counts fully). */
  pausedMemoryWeight: number;
  pausedCpuWeight: number;
}

export type PlacementDecision = { host: HostCandidate } | { host: null; reason: string };

export interface PlacementStrategy {
  readonly name: string;
  choose(request: PlacementRequest, hosts: HostCandidate[], policy: PlacementPolicy): PlacementDecision;
}

export const defaultPlacementPolicy: PlacementPolicy = Object.freeze({
  reserveCpuCores: 1,
  reserveMemoryMb: 1024,
  reserveDiskGb: 5,
  cpuOvercommit: 4,
  memoryOvercommit: 1,
  diskOvercommit: 1,
  pausedMemoryWeight: 0.25,
  pausedCpuWeight: 0,
});

type PolicyVariable = { key: keyof PlacementPolicy; min: number; minExclusive?: boolean; max?: number };

const policyVariables: Record<string, PolicyVariable> = {
  WRENN_RESERVE_CPU_CORES: { key: "reserveCpuCores", min: 0 },
  WRENN_RESERVE_MEMORY_MB: { key: "reserveMemoryMb", min: 0 },
  WRENN_RESERVE_DISK_GB: { key: "reserveDiskGb", min: 0 },
  WRENN_CPU_OVERCOMMIT: { key: "cpuOvercommit", min: 0, minExclusive: true },
  WRENN_MEMORY_OVERCOMMIT: { key: "memoryOvercommit", min: 0, minExclusive: true },
  WRENN_DISK_OVERCOMMIT: { key: "diskOvercommit", min: 0, minExclusive: true },
  WRENN_PAUSED_MEMORY_WEIGHT: { key: "pausedMemoryWeight", min: 0, max: 1 },
};

/** The default policy with the WRENN_RESERVE_*, WRENN_*_OVERCOMMIT and WRENN_PAUSED_MEMORY_WEIGHT variables applied; unset or empty keeps the default. */
export function placementPolicyFromEnv(env: NodeJS.ProcessEnv): PlacementPolicy {
  const policy: PlacementPolicy = { ...defaultPlacementPolicy };
  for (const [name, { key, min, minExclusive, max }] of Object.entries(policyVariables)) {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === "") continue;
    const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
    const tooLow = minExclusive ? value <= min : value < min;
    if (Number.isNaN(value) || tooLow || (max !== undefined && value > max)) {
      const range = `${minExclusive ? "greater than" : "at least"} ${min}${max !== undefined ? ` and at most ${max}` : ""}`;
      throw new Error(`${name} must be a number ${range} (default ${defaultPlacementPolicy[key]}), got "${env[name]}"`);
    }
    policy[key] = value;
  }
  return policy;
}

/**
 * Hosts that may run the request's capsule at all: online; a BYOC team's own BYOC hosts
 * only, and only regular hosts for everyone else; carrying every requested tag.
 */
export function eligibleHosts(request: PlacementRequest, hosts: HostCandidate[]): HostCandidate[] {
  const tags = request.tags ?? [];
  return hosts.filter(
    (host) =>
      host.status === "online" &&
      (request.teamIsByoc ? host.type === "byoc" && host.teamId === request.teamId : host.type === "regular") &&
      tags.every((tag) => host.tags.includes(tag)),
  );
}

type Dimension = "cpu" | "memory" | "disk";
const dimensions: Dimension[] = ["cpu", "memory", "disk"];

interface Fit {
  host: HostCandidate;
  /** Per dimension: what is left before the request, and the utilisation with it. */
  free: Record<Dimension, number>;
  utilisation: Record<Dimension, number>;
  fits: boolean;
  bottleneck: number;
  sum: number;
}

/** Keeps float noise (0.1 + 0.2) from deciding a fit or a tie. */
const epsilon = 1e-9;

function fitOf(request: PlacementRequest, host: HostCandidate, policy: PlacementPolicy): Fit {
  const used: Record<Dimension, number> = {
    cpu: host.running.vcpus + host.paused.vcpus * policy.pausedCpuWeight,
    memory: host.running.memoryMb + host.paused.memoryMb * policy.pausedMemoryWeight,
    disk: host.running.diskMb + host.paused.diskMb,
  };
  const capacity: Record<Dimension, number> = {
    cpu: host.cpuCores * policy.cpuOvercommit - policy.reserveCpuCores,
    memory: host.memoryMb * policy.memoryOvercommit - policy.reserveMemoryMb,
    disk: host.diskGb * 1024 * policy.diskOvercommit - policy.reserveDiskGb * 1024,
  };
  const wanted: Record<Dimension, number> = { cpu: request.vcpus, memory: request.memoryMb, disk: request.diskMb };
  const free = {} as Record<Dimension, number>;
  const utilisation = {} as Record<Dimension, number>;
  for (const d of dimensions) {
    free[d] = capacity[d] - used[d];
    utilisation[d] = capacity[d] > 0 ? (used[d] + wanted[d]) / capacity[d] : Infinity;
  }
  let realDiskFits = true;
  if (host.diskFreeGb !== undefined) {
    // Allocations can overstate real use (sparse files) or understate it (logs, images), so
    // the agent's own free-space report also bounds the disk: the request must fit in what
    // is really free, less the reserve. It bounds, it does not rank: the report is only as
    // fresh as the last heartbeat (and hosts sharing a volume report the same use), so
    // ranking by it would send every create to one host until the next report.
    const freeMb = host.diskFreeGb * 1024 - policy.reserveDiskGb * 1024;
    free.disk = Math.min(free.disk, freeMb);
    realDiskFits = request.diskMb <= freeMb + epsilon;
    // Unplaceable here: marks disk as the dimension at fault in the reason.
    if (!realDiskFits) utilisation.disk = Infinity;
  }
  const values = dimensions.map((d) => utilisation[d]);
  return {
    host,
    free,
    utilisation,
    fits: realDiskFits && values.every((u) => u <= 1 + epsilon),
    bottleneck: Math.max(...values),
    sum: values.reduce((a, b) => a + b, 0),
  };
}

function compareFits(a: Fit, b: Fit): number {
  if (Math.abs(a.bottleneck - b.bottleneck) > epsilon) return a.bottleneck - b.bottleneck;
  if (Math.abs(a.sum - b.sum) > epsilon) return a.sum - b.sum;
  return a.host.id < b.host.id ? -1 : a.host.id > b.host.id ? 1 : 0;
}

/**
 * Bottleneck-first: with the request added, each eligible host's utilisation per dimension
 * (cpu, memory, disk) must stay at most 1; of those hosts, the one whose highest
 * utilisation is lowest wins, then the lower sum of utilisations, then the lower id.
 */
export const leastLoaded: PlacementStrategy = Object.freeze({
  name: "least-loaded",
  choose(request: PlacementRequest, hosts: HostCandidate[], policy: PlacementPolicy): PlacementDecision {
    checkRequest(request);
    const eligible = eligibleHosts(request, hosts);
    if (eligible.length === 0) return { host: null, reason: whyNoneEligible(request, hosts) };
    const fits = eligible.map((host) => fitOf(request, host, policy));
    const best = fits.filter((fit) => fit.fits).sort(compareFits)[0];
    return best ? { host: best.host } : { host: null, reason: whyNoneFits(request, fits) };
  },
});

function checkRequest(request: PlacementRequest): void {
  for (const key of ["vcpus", "memoryMb", "diskMb"] as const) {
    const value = request[key];
    if (!Number.isFinite(value) || value < 0) throw new Error(`placement request ${key} must be a number of at least 0, got ${value}`);
  }
}

function whyNoneEligible(request: PlacementRequest, hosts: HostCandidate[]): string {
  const online = hosts.filter((host) => host.status === "online");
  if (online.length === 0) return hosts.length === 0 ? "no hosts are registered" : "no online hosts";
  const pool = request.teamIsByoc
    ? online.filter((host) => host.type === "byoc" && host.teamId === request.teamId)
    : online.filter((host) => host.type === "regular");
  if (pool.length === 0) {
    return request.teamIsByoc
      ? `team ${request.teamId} runs capsules on its own hosts only (BYOC) and none of them is online`
      : "no online shared (non-BYOC) hosts";
  }
  const tags = request.tags ?? [];
  return `no online host has all of the tags ${tags.join(", ")}`;
}

const labels: Record<Dimension, string> = { cpu: "CPU", memory: "memory", disk: "disk" };

/** "2 vCPUs", "4096 MB"; never negative (an overfull host has 0 free), at most two decimals. */
function amount(value: number, d: Dimension): string {
  const shown = Math.max(0, Math.floor(value * 100) / 100);
  return d === "cpu" ? `${shown} ${shown === 1 ? "vCPU" : "vCPUs"}` : `${shown} MB`;
}

function hasSpecs(host: HostCandidate): boolean {
  return host.cpuCores > 0 && host.memoryMb > 0;
}

function wantedOf(request: PlacementRequest, d: Dimension): number {
  return d === "cpu" ? request.vcpus : d === "memory" ? request.memoryMb : request.diskMb;
}

/**
 * Names the dimension that rules out every host when there is one (the scarcest such, with
 * the host that comes closest); otherwise what each host lacks.
 */
function whyNoneFits(request: PlacementRequest, fits: Fit[]): string {
  if (fits.every((fit) => !hasSpecs(fit.host))) return "no eligible host has reported its CPU cores and memory yet";
  const blocking = dimensions
    .filter((d) => fits.every((fit) => fit.utilisation[d] > 1 + epsilon))
    .map((d) => {
      const closest = [...fits].sort((a, b) => b.free[d] - a.free[d] || compareFits(a, b))[0]!;
      return { d, closest, ratio: closest.free[d] / Math.max(wantedOf(request, d), epsilon) };
    })
    .sort((a, b) => a.ratio - b.ratio)[0];
  if (blocking) {
    const { d, closest } = blocking;
    return `no host has ${amount(wantedOf(request, d), d)} free ${labels[d]} (best: ${closest.host.id} ${amount(closest.free[d], d)})`;
  }
  const shown = 5;
  const lacks = fits.slice(0, shown).map((fit) => {
    if (!hasSpecs(fit.host)) return `${fit.host.id} has not reported its CPU cores and memory`;
    const short = dimensions.filter((d) => fit.utilisation[d] > 1 + epsilon);
    return `${fit.host.id} lacks ${short.map((d) => `${labels[d]} (${amount(fit.free[d], d)} free)`).join(" and ")}`;
  });
  const more = fits.length > shown ? `; and ${fits.length - shown} more` : "";
  const wanted = dimensions.map((d) => (d === "cpu" ? amount(request.vcpus, d) : `${amount(wantedOf(request, d), d)} ${labels[d]}`)).join(", ");
  return `no single host has room for ${wanted}: ${lacks.join("; ")}${more}`;
}
