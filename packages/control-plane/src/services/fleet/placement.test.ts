import { describe, expect, it } from "vitest";
import {
  defaultPlacementPolicy,
  eligibleHosts,
  leastLoaded,
  placementPolicyFromEnv,
  type HostCandidate,
  type PlacementPolicy,
  type PlacementRequest,
} from "./placement.js";

const none = { vcpus: 0, memoryMb: 0, diskMb: 0 };

function host(id: string, overrides: Partial<HostCandidate> = {}): HostCandidate {
  return {
    id,
    type: "regular",
    teamId: null,
    status: "online",
    cpuCores: 8,
    memoryMb: 16_384,
    diskGb: 100,
    tags: [],
    running: { ...none },
    paused: { ...none },
    ...overrides,
  };
}

function req(overrides: Partial<PlacementRequest> = {}): PlacementRequest {
  return { teamId: "team_a", teamIsByoc: false, vcpus: 1, memoryMb: 512, diskMb: 1024, ...overrides };
}

/** No reserves, no overcommit, paused capsules free: utilisation is plain used / spec. */
const plain: PlacementPolicy = {
  reserveCpuCores: 0,
  reserveMemoryMb: 0,
  reserveDiskGb: 0,
  cpuOvercommit: 1,
  memoryOvercommit: 1,
  diskOvercommit: 1,
  pausedMemoryWeight: 0,
  pausedCpuWeight: 0,
};

function chosen(request: PlacementRequest, hosts: HostCandidate[], policy: PlacementPolicy = plain): string | null {
  return leastLoaded.choose(request, hosts, policy).host?.id ?? null;
}

function reason(request: PlacementRequest, hosts: HostCandidate[], policy: PlacementPolicy = plain): string {
  const decision = leastLoaded.choose(request, hosts, policy);
  if (decision.host) throw new Error(`expected no host, got ${decision.host.id}`);
  return decision.reason;
}

describe("defaultPlacementPolicy", () => {
  it("reserves 1 core, 1024 MB and 5 GB, overcommits CPU 4x, and counts a quarter of paused memory", () => {
    expect(defaultPlacementPolicy).toEqual({
      reserveCpuCores: 1,
      reserveMemoryMb: 1024,
      reserveDiskGb: 5,
      cpuOvercommit: 4,
      memoryOvercommit: 1,
      diskOvercommit: 1,
      pausedMemoryWeight: 0.25,
      pausedCpuWeight: 0,
    });
    expect(leastLoaded.name).toBe("least-loaded");
  });
});

describe("placementPolicyFromEnv", () => {
  it("keeps the defaults when nothing (or an empty string) is set", () => {
    expect(placementPolicyFromEnv({})).toEqual(defaultPlacementPolicy);
    expect(placementPolicyFromEnv({ WRENN_CPU_OVERCOMMIT: "", WRENN_RESERVE_DISK_GB: "  " })).toEqual(defaultPlacementPolicy);
  });

  it("reads every variable", () => {
    expect(
      placementPolicyFromEnv({
        WRENN_RESERVE_CPU_CORES: "2",
        WRENN_RESERVE_MEMORY_MB: "2048",
        WRENN_RESERVE_DISK_GB: "0",
        WRENN_CPU_OVERCOMMIT: "8",
        WRENN_MEMORY_OVERCOMMIT: "1.5",
        WRENN_DISK_OVERCOMMIT: " 2 ",
        WRENN_PAUSED_MEMORY_WEIGHT: "0.5",
      }),
    ).toEqual({
      reserveCpuCores: 2,
      reserveMemoryMb: 2048,
      reserveDiskGb: 0,
      cpuOvercommit: 8,
      memoryOvercommit: 1.5,
      diskOvercommit: 2,
      pausedMemoryWeight: 0.5,
      pausedCpuWeight: 0,
    });
  });

  it("names the variable, the allowed range and the value it could not use", () => {
    expect(() => placementPolicyFromEnv({ WRENN_RESERVE_MEMORY_MB: "lots" })).toThrow('WRENN_RESERVE_MEMORY_MB must be a number at least 0 (default 1024), got "lots"');
    expect(() => placementPolicyFromEnv({ WRENN_RESERVE_CPU_CORES: "-1" })).toThrow(/^WRENN_RESERVE_CPU_CORES must be a number at least 0/);
    expect(() => placementPolicyFromEnv({ WRENN_CPU_OVERCOMMIT: "0" })).toThrow('WRENN_CPU_OVERCOMMIT must be a number greater than 0 (default 4), got "0"');
    expect(() => placementPolicyFromEnv({ WRENN_MEMORY_OVERCOMMIT: "1e3" })).toThrow(/^WRENN_MEMORY_OVERCOMMIT must be/);
    expect(() => placementPolicyFromEnv({ WRENN_DISK_OVERCOMMIT: "Infinity" })).toThrow(/^WRENN_DISK_OVERCOMMIT must be/);
    expect(() => placementPolicyFromEnv({ WRENN_RESERVE_DISK_GB: "5GB" })).toThrow(/^WRENN_RESERVE_DISK_GB must be/);
    expect(() => placementPolicyFromEnv({ WRENN_PAUSED_MEMORY_WEIGHT: "1.5" })).toThrow(
      'WRENN_PAUSED_MEMORY_WEIGHT must be a number at least 0 and at most 1 (default 0.25), got "1.5"',
    );
  });
});

describe("eligibleHosts", () => {
  const hosts = [
    host("h-regular"),
    host("h-regular-gpu", { tags: ["gpu", "ssd"] }),
    host("h-byoc-a", { type: "byoc", teamId: "team_a" }),
    host("h-byoc-b", { type: "byoc", teamId: "team_b" }),
    host("h-pending", { status: "pending" }),
    host("h-unreachable", { status: "unreachable" }),
    host("h-draining", { status: "draining" }),
  ];
  const ids = (request: PlacementRequest) => eligibleHosts(request, hosts).map((h) => h.id);

  it("keeps only online hosts", () => {
    expect(ids(req())).toEqual(["h-regular", "h-regular-gpu"]);
  });

  it("gives a BYOC team only its own BYOC hosts, and other teams only regular hosts", () => {
    expect(ids(req({ teamId: "team_a", teamIsByoc: true }))).toEqual(["h-byoc-a"]);
    expect(ids(req({ teamId: "team_b", teamIsByoc: true }))).toEqual(["h-byoc-b"]);
    expect(ids(req({ teamId: "team_c", teamIsByoc: true }))).toEqual([]);
    // A BYOC host is never shared, even with the team whose id it carries when that team is not BYOC.
    expect(ids(req({ teamId: "team_a", teamIsByoc: false }))).toEqual(["h-regular", "h-regular-gpu"]);
  });

  it("requires every requested tag", () => {
    expect(ids(req({ tags: ["gpu"] }))).toEqual(["h-regular-gpu"]);
    expect(ids(req({ tags: ["gpu", "ssd"] }))).toEqual(["h-regular-gpu"]);
    expect(ids(req({ tags: ["gpu", "arm"] }))).toEqual([]);
    expect(ids(req({ tags: [] }))).toEqual(["h-regular", "h-regular-gpu"]);
  });
});

describe("leastLoaded", () => {
  it("spreads capsules across equal hosts", () => {
    const hosts = [host("h-3"), host("h-1"), host("h-2")];
    const request = req({ vcpus: 2, memoryMb: 2048, diskMb: 10_240 });
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      const decision = leastLoaded.choose(request, hosts, defaultPlacementPolicy);
      if (!decision.host) throw new Error(decision.reason);
      order.push(decision.host.id);
      decision.host.running = {
        vcpus: decision.host.running.vcpus + request.vcpus,
        memoryMb: decision.host.running.memoryMb + request.memoryMb,
        diskMb: decision.host.running.diskMb + request.diskMb,
      };
    }
    expect(order).toEqual(["h-1", "h-2", "h-3", "h-1", "h-2", "h-3"]);
  });

  it("lets the bottleneck dimension decide: much free CPU does not make up for little free memory", () => {
    const cpuRich = host("cpu-rich", { cpuCores: 32, memoryMb: 8192, running: { vcpus: 0, memoryMb: 6144, diskMb: 0 } });
    const balanced = host("balanced", { cpuCores: 4, memoryMb: 8192, running: { vcpus: 2, memoryMb: 1024, diskMb: 0 } });
    // cpu-rich: cpu 1/32, memory 6656/8192 = 0.81 → bottleneck 0.81 (sum 0.85)
    // balanced: cpu 3/4 = 0.75, memory 1536/8192 = 0.19 → bottleneck 0.75 (sum 0.95)
    expect(chosen(req({ diskMb: 0 }), [cpuRich, balanced])).toBe("balanced");
  });

  it("breaks a bottleneck tie by the lower sum of utilisations, then by id", () => {
    const busyCpu = host("a-busy-cpu", { running: { vcpus: 3, memoryMb: 8192, diskMb: 0 } });
    const idleCpu = host("b-idle-cpu", { running: { vcpus: 0, memoryMb: 8192, diskMb: 0 } });
    expect(chosen(req({ diskMb: 0 }), [busyCpu, idleCpu])).toBe("b-idle-cpu");
    expect(chosen(req({ diskMb: 0 }), [host("b"), host("a"), host("c")])).toBe("a");
  });

  it("is deterministic whatever the order of the hosts", () => {
    const hosts = [
      host("h-1", { running: { vcpus: 2, memoryMb: 4096, diskMb: 0 } }),
      host("h-2", { running: { vcpus: 2, memoryMb: 4096, diskMb: 0 } }),
      host("h-3", { running: { vcpus: 4, memoryMb: 2048, diskMb: 0 } }),
      host("h-4", { running: { vcpus: 1, memoryMb: 4096, diskMb: 0 } }),
    ];
    const expected = chosen(req(), hosts);
    expect(expected).toBe("h-4");
    for (const permutation of [[...hosts].reverse(), [hosts[2]!, hosts[0]!, hosts[3]!, hosts[1]!], [hosts[1]!, hosts[3]!, hosts[0]!, hosts[2]!]]) {
      expect(chosen(req(), permutation)).toBe(expected);
    }
  });

  it("keeps the reserves free for the host itself", () => {
    // Default policy on 2 cores, 2048 MB, 10 GB: room for 2*4-1 = 7 vCPUs, 1024 MB and 5120 MB disk.
    const small = [host("small", { cpuCores: 2, memoryMb: 2048, diskGb: 10 })];
    const p = defaultPlacementPolicy;
    expect(chosen(req({ vcpus: 7, memoryMb: 1024, diskMb: 5120 }), small, p)).toBe("small");
    expect(reason(req({ memoryMb: 1025 }), small, p)).toBe("no host has 1025 MB free memory (best: small 1024 MB)");
    expect(reason(req({ vcpus: 8 }), small, p)).toBe("no host has 8 vCPUs free CPU (best: small 7 vCPUs)");
    expect(reason(req({ diskMb: 5121 }), small, p)).toBe("no host has 5121 MB free disk (best: small 5120 MB)");
  });

  it("applies the overcommit multipliers before the reserves", () => {
    const h = [host("h", { cpuCores: 8, memoryMb: 8192, diskGb: 10, running: { vcpus: 28, memoryMb: 10_240, diskMb: 15_360 } })];
    const p = { ...plain, reserveCpuCores: 1, cpuOvercommit: 4, memoryOvercommit: 1.5, diskOvercommit: 2 };
    // CPU 8*4-1 = 31, memory 8192*1.5 = 12288, disk 10240*2 = 20480.
    expect(chosen(req({ vcpus: 3, memoryMb: 2048, diskMb: 5120 }), h, p)).toBe("h");
    expect(chosen(req({ vcpus: 4, memoryMb: 2048, diskMb: 5120 }), h, p)).toBeNull();
    expect(chosen(req({ vcpus: 3, memoryMb: 2049, diskMb: 5120 }), h, p)).toBeNull();
    expect(chosen(req({ vcpus: 3, memoryMb: 2048, diskMb: 5121 }), h, p)).toBeNull();
    expect(chosen(req({ vcpus: 3, memoryMb: 2048, diskMb: 5120 }), h, { ...p, memoryOvercommit: 1 })).toBeNull();
  });

  it("counts paused capsules' memory by its weight, their CPU by its weight, and their disk fully", () => {
    const h = [host("h", { cpuCores: 4, memoryMb: 8192, diskGb: 100, paused: { vcpus: 100, memoryMb: 16_384, diskMb: 90 * 1024 } })];
    const p = { ...plain, pausedMemoryWeight: 0.25 };
    // Paused memory counts 16384 * 0.25 = 4096 of 8192; paused vCPUs count 0; paused disk 90 of 100 GB.
    expect(chosen(req({ vcpus: 4, memoryMb: 4096, diskMb: 10 * 1024 }), h, p)).toBe("h");
    expect(reason(req({ vcpus: 4, memoryMb: 4097, diskMb: 0 }), h, p)).toBe("no host has 4097 MB free memory (best: h 4096 MB)");
    expect(reason(req({ vcpus: 1, memoryMb: 0, diskMb: 10 * 1024 + 1 }), h, p)).toBe("no host has 10241 MB free disk (best: h 10240 MB)");
    expect(chosen(req({ vcpus: 1, memoryMb: 4097, diskMb: 0 }), h, { ...p, pausedMemoryWeight: 0 })).toBe("h");
    expect(chosen(req({ vcpus: 1, memoryMb: 0, diskMb: 0 }), h, { ...p, pausedCpuWeight: 0.04 })).toBeNull();
  });

  it("prefers a host with fewer paused capsules, all else equal", () => {
    const hosts = [host("a", { paused: { vcpus: 2, memoryMb: 8192, diskMb: 0 } }), host("b")];
    expect(chosen(req(), hosts, defaultPlacementPolicy)).toBe("b");
  });

  it("bounds disk by the free space the agent reports", () => {
    // 100 GB disk, no allocations, but only 8 GB actually free: 8 - 5 reserved = 3 GB for capsules.
    const full = host("full", { diskFreeGb: 8 });
    const p = { ...plain, reserveDiskGb: 5 };
    expect(chosen(req({ diskMb: 3072 }), [full], p)).toBe("full");
    expect(reason(req({ diskMb: 3073 }), [full], p)).toBe("no host has 3073 MB free disk (best: full 3072 MB)");
    // The report bounds but does not rank: it is as old as the last heartbeat, and hosts on
    // one volume report the same use, so ranking by it would pile creates onto one host.
    expect(chosen(req({ diskMb: 1024 }), [full, host("roomy", { diskFreeGb: 90 })], p)).toBe("full");
    const busier = host("a-busier", { diskFreeGb: 90, running: { vcpus: 1, memoryMb: 512, diskMb: 4096 } });
    expect(chosen(req({ diskMb: 1024 }), [busier, host("b-idle", { diskFreeGb: 50 })], p)).toBe("b-idle");
  });

  it("never chooses a host that has not reported its specs", () => {
    const unknown = host("a-unknown", { cpuCores: 0, memoryMb: 0, diskGb: 0 });
    expect(chosen(req(), [unknown, host("b-known")])).toBe("b-known");
    expect(chosen(req({ vcpus: 0, memoryMb: 0, diskMb: 0 }), [host("cpu-unknown", { cpuCores: 0 })])).toBeNull();
    expect(reason(req(), [unknown])).toBe("no eligible host has reported its CPU cores and memory yet");
  });

  it("excludes pending, unreachable and draining hosts", () => {
    const hosts = [host("a", { status: "pending" }), host("b", { status: "unreachable" }), host("c", { status: "draining" })];
    expect(reason(req(), hosts)).toBe("no online hosts");
    expect(chosen(req(), [...hosts, host("z", { running: { vcpus: 7, memoryMb: 15_000, diskMb: 0 } })])).toBe("z");
    expect(reason(req(), [])).toBe("no hosts are registered");
  });

  it("keeps BYOC teams on their own hosts and everyone else off them, even when that leaves no room", () => {
    const hosts = [
      host("shared"),
      host("byoc-a", { type: "byoc", teamId: "team_a", running: { vcpus: 8, memoryMb: 16_384, diskMb: 0 } }),
      host("byoc-b", { type: "byoc", teamId: "team_b" }),
    ];
    expect(chosen(req({ teamId: "team_b", teamIsByoc: true }), hosts)).toBe("byoc-b");
    expect(reason(req({ teamId: "team_a", teamIsByoc: true }), hosts)).toMatch(/^no host has 1 vCPU free CPU \(best: byoc-a 0 vCPUs\)$/);
    expect(reason(req({ teamId: "team_c", teamIsByoc: true }), hosts)).toBe(
      "team team_c runs capsules on its own hosts only (BYOC) and none of them is online",
    );
    expect(chosen(req({ teamId: "team_c" }), hosts)).toBe("shared");
    expect(reason(req({ teamId: "team_c" }), hosts.slice(1))).toBe("no online shared (non-BYOC) hosts");
  });

  it("places tagged requests only on hosts with every tag", () => {
    const hosts = [host("a-plain"), host("b-gpu", { tags: ["gpu"], running: { vcpus: 6, memoryMb: 12_000, diskMb: 0 } })];
    expect(chosen(req({ tags: ["gpu"] }), hosts)).toBe("b-gpu");
    expect(chosen(req(), hosts)).toBe("a-plain");
    expect(reason(req({ tags: ["gpu", "arm64"] }), hosts)).toBe("no online host has all of the tags gpu, arm64");
  });

  it("names the closest host for the dimension that rules out every host", () => {
    const hosts = [
      host("h-a", { memoryMb: 4096 }),
      host("h-b", { memoryMb: 4096, running: { vcpus: 0, memoryMb: 2048, diskMb: 0 } }),
      host("h-c", { memoryMb: 8192, running: { vcpus: 0, memoryMb: 6144, diskMb: 0 } }),
    ];
    expect(reason(req({ memoryMb: 8192 }), hosts)).toBe("no host has 8192 MB free memory (best: h-a 4096 MB)");
  });

  it("says what each host lacks when no single dimension rules them all out", () => {
    const hosts = [
      host("h-cpu", { cpuCores: 2 }),
      host("h-mem", { memoryMb: 2048 }),
      host("h-both", { cpuCores: 2, memoryMb: 1024.5 }),
      host("h-new", { cpuCores: 0, memoryMb: 0 }),
    ];
    expect(reason(req({ vcpus: 4, memoryMb: 4096, diskMb: 0 }), [hosts[0]!, hosts[1]!])).toBe(
      "no single host has room for 4 vCPUs, 4096 MB memory, 0 MB disk: h-cpu lacks CPU (2 vCPUs free); h-mem lacks memory (2048 MB free)",
    );
    expect(reason(req({ vcpus: 4, memoryMb: 4096, diskMb: 0 }), hosts)).toBe(
      "no single host has room for 4 vCPUs, 4096 MB memory, 0 MB disk: h-cpu lacks CPU (2 vCPUs free); h-mem lacks memory (2048 MB free); " +
        "h-both lacks CPU (2 vCPUs free) and memory (1024.5 MB free); h-new has not reported its CPU cores and memory",
    );
    const many = [hosts[0]!, hosts[1]!, ...Array.from({ length: 6 }, (_, i) => host(`h-${i}`, { cpuCores: 1 }))];
    expect(reason(req({ vcpus: 4, memoryMb: 4096, diskMb: 0 }), many)).toMatch(/; and 3 more$/);
  });

  it("does not let float rounding turn an exact fit into a miss", () => {
    const h = [host("h", { cpuCores: 1, running: { vcpus: 0.1, memoryMb: 0, diskMb: 0 } })];
    expect(chosen(req({ vcpus: 0.9, diskMb: 0 }), h)).toBe("h");
  });

  it("rejects a request with a negative or non-numeric size", () => {
    expect(() => leastLoaded.choose(req({ memoryMb: -1 }), [host("h")], plain)).toThrow("placement request memoryMb must be a number of at least 0, got -1");
    expect(() => leastLoaded.choose(req({ vcpus: Number.NaN }), [host("h")], plain)).toThrow(/vcpus/);
  });
});
