// @vitest-environment happy-dom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { capsuleActions, statusLook } from "../lib/status";
import { StatusBadge } from "./status-badge";

afterEach(cleanup);

describe("StatusBadge", () => {
  it("says the status in words next to the colour", () => {
    render(<StatusBadge status="running" />);
    const badge = screen.getByText("Running");
    expect(badge.getAttribute("data-status")).toBe("running");
    expect(badge.className).toMatch(/emerald/);
  });

  it("gives every capsule status a distinct word", () => {
    const labels = ["pending", "running", "paused", "stopped", "error", "missing"].map((s) => statusLook(s).label);
    expect(new Set(labels).size).toBe(labels.length);
  });

  it("pulses only for changing states", () => {
    const { container } = render(<StatusBadge status="pending" />);
    expect(container.querySelector(".animate-pulse")).not.toBeNull();
    cleanup();
    const { container: c2 } = render(<StatusBadge status="paused" />);
    expect(c2.querySelector(".animate-pulse")).toBeNull();
  });

  it("shows unknown statuses readably instead of failing", () => {
    render(<StatusBadge status="snapshot_in_progress" />);
    expect(screen.getByText("Snapshot in progress")).toBeTruthy();
  });
});

describe("capsuleActions", () => {
  it("offers pause for running and resume for paused", () => {
    expect(capsuleActions("running")).toMatchObject({ pause: true, resume: false, snapshot: true });
    expect(capsuleActions("paused")).toMatchObject({ pause: false, resume: true, snapshot: true });
    expect(capsuleActions("error")).toMatchObject({ pause: false, resume: false, snapshot: false, destroy: true });
  });
});
