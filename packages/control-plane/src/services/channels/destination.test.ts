import { describe, expect, it } from "vitest";
import { isPrivateAddress, refusedDestination } from "./destination.js";

describe("channel destinations", () => {
  it("classifies private, local and reserved addresses", () => {
    for (const a of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fd00::1", "fe80::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "not-an-ip"]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ["1.1.1.1", "8.8.8.8", "172.32.0.1", "2606:4700:4700::1111", "::ffff:1.1.1.1"]) {
      expect(isPrivateAddress(a), a).toBe(false);
    }
  });

  it("refuses loopback and private URLs unless allowed, and names the setting", async () => {
    expect(await refusedDestination("http://127.0.0.1:9726/proxy", false)).toMatch(/127\.0\.0\.1.*WRENN_CHANNELS_ALLOW_PRIVATE/);
    expect(await refusedDestination("http://[::1]/", false)).toMatch(/::1/);
    expect(await refusedDestination("http://localhost/hook", false)).toMatch(/private or local/);
    expect(await refusedDestination("http://127.0.0.1/hook", true)).toBeUndefined();
    expect(await refusedDestination("https://1.1.1.1/hook", false)).toBeUndefined();
  });
});
