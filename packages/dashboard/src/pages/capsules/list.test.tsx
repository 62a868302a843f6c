// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Capsule } from "../../api/types";
import { AppHarness, jsonResponse } from "../../test-support";
import { CapsulesPage, matchesCapsule } from "./list";

const capsule = (id: string, status: string, template = "minimal", metadata: Record<string, string> = {}): Capsule => ({
  id,
  status,
  template,
  vcpus: 1,
  memory_mb: 512,
  timeout_sec: 300,
  created_at: new Date(Date.now() - 60_000).toISOString(),
  started_at: new Date(Date.now() - 59_000).toISOString(),
  last_active_at: new Date(Date.now() - 10_000).toISOString(),
  host_id: "host-1",
  metadata,
  envd_version: "0.1.0",
});

const running = capsule("cl-aaaaaaaaaaaaaaaaaaaaaaaaa", "running", "python", { owner: "agent-42" });
const paused = capsule("cl-bbbbbbbbbbbbbbbbbbbbbbbbb", "paused");

let fetchMock: ReturnType<typeof vi.fn>;
beforeEach(() => {
  fetchMock = vi.fn();
  vi.stubGlobal("fetch", fetchMock);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("matchesCapsule", () => {
  it("matches id, template, status and metadata words", () => {
    expect(matchesCapsule(running, "agent-42", "all")).toBe(true);
    expect(matchesCapsule(running, "owner=agent", "all")).toBe(true);
    expect(matchesCapsule(running, "python aaaa", "all")).toBe(true);
    expect(matchesCapsule(running, "python bbbb", "all")).toBe(false);
    expect(matchesCapsule(running, "", "paused")).toBe(false);
    expect(matchesCapsule(paused, "", "paused")).toBe(true);
  });
});

describe("CapsulesPage", () => {
  it("lists capsules with status words and filters them", async () => {
    fetchMock.mockImplementation(async () => jsonResponse(200, [running, paused]));
    render(
      <AppHarness path="/capsules">
        <CapsulesPage />
      </AppHarness>,
    );
    await screen.findByText(running.id);
    expect(screen.getByText(paused.id)).toBeTruthy();
    const table = screen.getByTestId("capsules-table");
    expect(within(table).getByText("Running")).toBeTruthy();
    expect(within(table).getByText("Paused")).toBeTruthy();
    // Running offers pause, paused offers resume.
    expect(screen.getByRole("button", { name: `Pause ${running.id}` })).toBeTruthy();
    expect(screen.getByRole("button", { name: `Resume ${paused.id}` })).toBeTruthy();

    fireEvent.change(screen.getByLabelText("Search capsules"), { target: { value: "agent-42" } });
    await waitFor(() => expect(screen.queryByText(paused.id)).toBeNull());
    expect(screen.getByText(running.id)).toBeTruthy();
  });

  it("shows the API's error message verbatim", async () => {
    fetchMock.mockImplementation(async () => jsonResponse(503, { error: { code: "host_unavailable", message: "the host agent at 127.0.0.1:9 is not answering" } }));
    render(
      <AppHarness path="/capsules">
        <CapsulesPage />
      </AppHarness>,
    );
    expect(await screen.findByText("the host agent at 127.0.0.1:9 is not answering")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Try again" })).toBeTruthy();
  });

  it("has an empty state with a way to create the first capsule", async () => {
    fetchMock.mockImplementation(async () => jsonResponse(200, []));
    render(
      <AppHarness path="/capsules">
        <CapsulesPage />
      </AppHarness>,
    );
    expect(await screen.findByText("No capsules yet")).toBeTruthy();
  });

  it("asks before destroying and sends DELETE only after confirming", async () => {
    fetchMock.mockImplementation(async (url: string, init: RequestInit) => {
      if (init.method === "DELETE") return jsonResponse(204, null);
      return jsonResponse(200, [running]);
    });
    render(
      <AppHarness path="/capsules">
        <CapsulesPage />
      </AppHarness>,
    );
    fireEvent.click(await screen.findByRole("button", { name: `Destroy ${running.id}` }));
    expect(await screen.findByText("Destroy capsule?")).toBeTruthy();
    expect(fetchMock.mock.calls.some(([, init]) => init.method === "DELETE")).toBe(false);
    fireEvent.click(screen.getByTestId("confirm-action"));
    await waitFor(() => expect(fetchMock.mock.calls.some(([url, init]) => init.method === "DELETE" && url === `/v1/capsules/${running.id}`)).toBe(true));
  });

  it("keeps a failed action's API message in the confirmation dialog", async () => {
    fetchMock.mockImplementation(async (_url: string, init: RequestInit) => {
      if (init.method === "DELETE") return jsonResponse(502, { error: { code: "agent_error", message: "the host agent could not destroy cl-a: busy" } });
      return jsonResponse(200, [running]);
    });
    render(
      <AppHarness path="/capsules">
        <CapsulesPage />
      </AppHarness>,
    );
    fireEvent.click(await screen.findByRole("button", { name: `Destroy ${running.id}` }));
    fireEvent.click(await screen.findByTestId("confirm-action"));
    expect(await screen.findByText("the host agent could not destroy cl-a: busy")).toBeTruthy();
  });
});
