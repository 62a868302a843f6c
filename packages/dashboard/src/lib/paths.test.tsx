// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { baseName, breadcrumbs, joinPath, normalizePath, parentPath, validEntryName } from "./paths";

describe("paths", () => {
  it("normalizes", () => {
    expect(normalizePath("/home//user/./src/../lib/")).toBe("/home/user/lib");
    expect(normalizePath("/../..")).toBe("/");
    expect(normalizePath("")).toBe("/");
  });
  it("joins, goes up and names", () => {
    expect(joinPath("/home/user", "a.txt")).toBe("/home/user/a.txt");
    expect(parentPath("/home/user")).toBe("/home");
    expect(parentPath("/")).toBe("/");
    expect(baseName("/home/user/a.txt")).toBe("a.txt");
  });
  it("builds breadcrumbs from the root", () => {
    expect(breadcrumbs("/home/user")).toEqual([
      { name: "/", path: "/" },
      { name: "home", path: "/home" },
      { name: "user", path: "/home/user" },
    ]);
  });
  it("validates new names", () => {
    expect(validEntryName("data")).toBeNull();
    expect(validEntryName("  ")).toMatch(/Enter/);
    expect(validEntryName("a/b")).toMatch(/“\/”/);
    expect(validEntryName("..")).toMatch(/reserved/);
  });
});
