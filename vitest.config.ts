import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["wrenn-source"] },
  ssr: { resolve: { conditions: ["wrenn-source"], externalConditions: ["wrenn-source"] } },
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/src/**/*.test.tsx", "tests/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Polls wait on real capsules, agents and a browser on a loaded 2-core machine: 1 s
    // (the default) is too short for a shell's answer through the whole stack.
    expect: { poll: { timeout: 15_000 } },
    pool: "forks",
    // Most test time is waiting on gVisor sandboxes and agents, not CPU: three files at a
    // time on a 2-core machine (each agent has its own network names and data directory).
    maxWorkers: 3,
    globalSetup: ["tests/setup/host-state.ts", "tests/setup/build-envd.ts", "tests/setup/build-cli.ts", "tests/setup/build-dashboard.ts", "tests/setup/postgres.ts"],
  },
});
