// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clearSession, getSession } from "../../api/session";
import type { Session } from "../../api/types";
import { AppHarness, jsonResponse } from "../../test-support";
import { ActivatePage } from "./activate";
import { ResetPasswordPage } from "./reset-password";
import { SignInPage } from "./sign-in";
import { SignUpPage } from "./sign-up";

const session: Session = {
  token: "h.p.s",
  expires_at: new Date(Date.now() + 3_600_000).toISOString(),
  user: { id: "usr-1", email: "ada@example.com", name: "Ada", status: "active", is_admin: false, default_team_id: "team-1", created_at: "2025-01-01T00:00:00Z" },
  team: { id: "team-1", name: "Ada's team", is_byoc: false, role: "owner", created_at: "2025-01-01T00:00:00Z" },
};

let fetchMock: ReturnType<typeof vi.fn>;
beforeEach(() => {
  localStorage.clear();
  fetchMock = vi.fn();
  vi.stubGlobal("fetch", fetchMock);
});
afterEach(() => {
  cleanup();
  clearSession();
  vi.unstubAllGlobals();
});

const routes = (path: string) =>
  render(
    <AppHarness path={path}>
      <Routes>
        <Route path="/sign-in" element={<SignInPage />} />
        <Route path="/sign-up" element={<SignUpPage />} />
        <Route path="/activate" element={<ActivatePage />} />
        <Route path="/reset-password" element={<ResetPasswordPage />} />
        <Route path="/capsules" element={<p>capsule list</p>} />
      </Routes>
    </AppHarness>,
  );

describe("sign in", () => {
  it("stores the session and goes to the capsules", async () => {
    fetchMock.mockResolvedValue(jsonResponse(200, session));
    routes("/sign-in");
    fireEvent.change(screen.getByLabelText("E-mail"), { target: { value: "ada@example.com" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "correct horse" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("capsule list")).toBeTruthy();
    expect(getSession()?.token).toBe("h.p.s");
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe("/v1/auth/login");
    expect(JSON.parse(init.body)).toEqual({ email: "ada@example.com", password: "correct horse" });
  });

  it("shows why an account cannot sign in, in the API's words", async () => {
    fetchMock.mockResolvedValue(jsonResponse(403, { error: { code: "forbidden", message: "activate your account first: open the link in the e-mail we sent when you signed up" } }));
    routes("/sign-in");
    fireEvent.change(screen.getByLabelText("E-mail"), { target: { value: "ada@example.com" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "x" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText(/activate your account first/)).toBeTruthy();
    expect(getSession()).toBeNull();
  });
});

describe("sign up and activation", () => {
  it("signs up and asks to check the e-mail", async () => {
    fetchMock.mockResolvedValue(jsonResponse(201, { user: { ...session.user, status: "pending" } }));
    routes("/sign-up");
    fireEvent.change(screen.getByLabelText("E-mail"), { target: { value: "ada@example.com" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "correct horse battery" } });
    fireEvent.click(screen.getByRole("button", { name: "Create account" }));
    expect(await screen.findByText("Check your e-mail")).toBeTruthy();
    expect(JSON.parse(fetchMock.mock.calls[0]![1].body)).toEqual({ email: "ada@example.com", password: "correct horse battery" });
  });

  it("activates with the link's token once and signs in", async () => {
    fetchMock.mockResolvedValue(jsonResponse(200, session));
    routes("/activate?token=tok123");
    expect(await screen.findByText("capsule list")).toBeTruthy();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(JSON.parse(fetchMock.mock.calls[0]![1].body)).toEqual({ token: "tok123" });
    expect(getSession()?.user.email).toBe("ada@example.com");
  });

  it("explains a used or expired activation link", async () => {
    fetchMock.mockResolvedValue(jsonResponse(400, { error: { code: "invalid_request", message: "this activation link was already used or has expired" } }));
    routes("/activate?token=old");
    expect(await screen.findByText("this activation link was already used or has expired")).toBeTruthy();
  });
});

describe("password reset", () => {
  it("refuses two different passwords before calling the API", async () => {
    routes("/reset-password?token=t1");
    fireEvent.change(screen.getByLabelText("New password"), { target: { value: "aaaaaaaa" } });
    fireEvent.change(screen.getByLabelText("Repeat it"), { target: { value: "bbbbbbbb" } });
    fireEvent.click(screen.getByRole("button", { name: "Set password" }));
    expect(await screen.findByText("The two passwords differ.")).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("sets the new password with the token", async () => {
    fetchMock.mockResolvedValue(jsonResponse(204, null));
    routes("/reset-password?token=t1");
    fireEvent.change(screen.getByLabelText("New password"), { target: { value: "aaaaaaaa" } });
    fireEvent.change(screen.getByLabelText("Repeat it"), { target: { value: "aaaaaaaa" } });
    fireEvent.click(screen.getByRole("button", { name: "Set password" }));
    await waitFor(() => expect(screen.getByText(/Your password is changed/)).toBeTruthy());
    expect(fetchMock.mock.calls[0]![0]).toBe("/v1/me/password/reset/confirm");
    expect(JSON.parse(fetchMock.mock.calls[0]![1].body)).toEqual({ token: "t1", password: "aaaaaaaa" });
  });
});
