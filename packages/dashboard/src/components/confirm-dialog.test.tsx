// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/client";
import { ConfirmDialog } from "./confirm-dialog";

afterEach(cleanup);

const open = (props: Partial<Parameters<typeof ConfirmDialog>[0]> = {}) => {
  const onConfirm = props.onConfirm ?? vi.fn(async () => {});
  const onClose = props.onClose ?? vi.fn();
  render(<ConfirmDialog open onClose={onClose} title="Delete team?" body="Gone for everyone." confirmLabel="Delete team" onConfirm={onConfirm} {...props} />);
  return { onConfirm, onClose };
};

describe("ConfirmDialog", () => {
  it("runs the action and closes", async () => {
    const { onConfirm, onClose } = open();
    fireEvent.click(screen.getByRole("button", { name: "Delete team" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });

  it("with typeToConfirm, stays disabled until the exact text is typed", async () => {
    const { onConfirm } = open({ typeToConfirm: "Research" });
    const button = screen.getByRole("button", { name: "Delete team" }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    const input = screen.getByLabelText("Type Research to confirm");
    fireEvent.change(input, { target: { value: "research" } });
    expect(button.disabled).toBe(true);
    fireEvent.change(input, { target: { value: "Research" } });
    expect(button.disabled).toBe(false);
    fireEvent.click(button);
    await waitFor(() => expect(onConfirm).toHaveBeenCalledTimes(1));
  });

  it("keeps the dialog open with the API's message when the action fails", async () => {
    const { onClose } = open({
      onConfirm: async () => {
        throw new ApiError(409, "conflict", "team Research still has 2 live capsules; destroy them first");
      },
    });
    fireEvent.click(screen.getByRole("button", { name: "Delete team" }));
    expect(await screen.findByText("team Research still has 2 live capsules; destroy them first")).toBeTruthy();
    expect(onClose).not.toHaveBeenCalled();
  });
});
