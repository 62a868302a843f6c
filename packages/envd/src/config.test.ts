import { describe, expect, it } from "vitest";
import { ENVD_DEFAULT_PORT, parseConfig } from "./config.js";

describe("parseConfig", () => {
  it("defaults to capsule mode on port 49983 with capsule duties on", () => {
    const config = parseConfig([]);
    expect(config.port).toBe(ENVD_DEFAULT_PORT);
    expect(config.dev).toBe(false);
    expect(config.reclaim).toBe(true);
    expect(config.forwardPorts).toBe(true);
    expect(config.reclaimThresholdPct).toBe(80);
  });

  it("turns capsule duties off in --dev unless asked for", () => {
    expect(parseConfig(["--dev"])).toMatchObject({ dev: true, reclaim: false, forwardPorts: false });
    expect(parseConfig(["--dev", "--reclaim", "--forward-ports"])).toMatchObject({ reclaim: true, forwardPorts: true });
    expect(parseConfig(["--no-reclaim"]).reclaim).toBe(false);
  });

  it("rejects bad values with a message naming the flag and the range", () => {
    expect(() => parseConfig(["--port", "70000"])).toThrow(/--port must be an integer from 0 to 65535, got "70000"/);
    expect(() => parseConfig(["--reclaim-threshold-pct", "abc"])).toThrow(/--reclaim-threshold-pct/);
    expect(() => parseConfig(["--bogus"])).toThrow();
  });
});
