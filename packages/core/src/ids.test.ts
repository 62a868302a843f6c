import { describe, expect, it } from "vitest";
import { idPrefixes, isId, isTemplateName, newId } from "./ids.js";

describe("ids", () => {
  it("makes prefixed 25-character base36 ids that validate", () => {
    for (const kind of Object.keys(idPrefixes) as (keyof typeof idPrefixes)[]) {
      const id = newId(kind);
      expect(id.startsWith(idPrefixes[kind])).toBe(true);
      expect(id.length).toBe(idPrefixes[kind].length + 25);
      expect(isId(kind, id)).toBe(true);
    }
  });

  it("does not repeat and uses the whole alphabet", () => {
    const seen = new Set<string>();
    const chars = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = newId("capsule");
      seen.add(id);
      for (const c of id.slice(3)) chars.add(c);
    }
    expect(seen.size).toBe(2000);
    expect(chars.size).toBe(36);
  });

  it("rejects ids of the wrong kind or shape", () => {
    expect(isId("capsule", newId("user"))).toBe(false);
    expect(isId("capsule", "cl-ABCDEFGHIJKLMNOPQRSTUVWXY")).toBe(false);
    expect(isId("capsule", "cl-123")).toBe(false);
  });

  it("validates template names", () => {
    expect(isTemplateName("minimal")).toBe(true);
    expect(isTemplateName("my-env_1.2")).toBe(true);
    expect(isTemplateName("-bad")).toBe(false);
    expect(isTemplateName("a".repeat(65))).toBe(false);
    expect(isTemplateName("has space")).toBe(false);
  });
});
