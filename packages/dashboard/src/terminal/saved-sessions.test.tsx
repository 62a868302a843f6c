// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from "vitest";
import { forgetSession, loadSessions, nextTitle, saveSession } from "./saved-sessions";

beforeEach(() => sessionStorage.clear());

describe("saved terminal sessions", () => {
  it("remember tags per capsule in sessionStorage", () => {
    saveSession("cl-a", { tag: "pty-1", title: "Shell 1" });
    saveSession("cl-a", { tag: "pty-2", title: "Shell 2" });
    saveSession("cl-b", { tag: "pty-9", title: "Shell 1" });
    expect(loadSessions("cl-a").map((s) => s.tag)).toEqual(["pty-1", "pty-2"]);
    expect(loadSessions("cl-b")).toEqual([{ tag: "pty-9", title: "Shell 1" }]);
  });
  it("saving a tag again does not duplicate it", () => {
    saveSession("cl-a", { tag: "pty-1", title: "Shell 1" });
    saveSession("cl-a", { tag: "pty-1", title: "Shell 1" });
    expect(loadSessions("cl-a")).toHaveLength(1);
  });
  it("forget removes one and clears the key when none are left", () => {
    saveSession("cl-a", { tag: "pty-1", title: "Shell 1" });
    forgetSession("cl-a", "pty-1");
    expect(loadSessions("cl-a")).toEqual([]);
    expect(sessionStorage.length).toBe(0);
  });
  it("survive garbage in storage", () => {
    sessionStorage.setItem("wrenn.pty.cl-a", "nope");
    expect(loadSessions("cl-a")).toEqual([]);
    sessionStorage.setItem("wrenn.pty.cl-a", JSON.stringify([{ tag: "" }, { tag: "ok", title: "Shell 3" }, 7]));
    expect(loadSessions("cl-a")).toEqual([{ tag: "ok", title: "Shell 3" }]);
  });
  it("names new shells with the first free number", () => {
    expect(nextTitle([])).toBe("Shell 1");
    expect(nextTitle([{ title: "Shell 1" }, { title: "Shell 3" }])).toBe("Shell 2");
  });
});
