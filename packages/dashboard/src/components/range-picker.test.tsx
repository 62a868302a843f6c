// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { capsuleMetricRanges, type CapsuleMetricRange } from "../lib/ranges";
import { RangePicker } from "./range-picker";

afterEach(cleanup);

function Harness({ initial = "5m" as CapsuleMetricRange }) {
  const [value, setValue] = useState<CapsuleMetricRange>(initial);
  return (
    <>
      <RangePicker options={capsuleMetricRanges} value={value} onChange={setValue} />
      <output data-testid="value">{value}</output>
    </>
  );
}

describe("RangePicker", () => {
  it("is a radio group with one checked option and one tab stop", () => {
    render(<Harness />);
    const radios = screen.getAllByRole("radio");
    expect(radios.map((r) => r.textContent)).toEqual(["5m", "10m", "1h", "2h", "6h", "12h", "24h"]);
    expect(radios.filter((r) => r.getAttribute("aria-checked") === "true").map((r) => r.textContent)).toEqual(["5m"]);
    expect(radios.filter((r) => r.tabIndex === 0)).toHaveLength(1);
  });

  it("changes on click", () => {
    render(<Harness />);
    fireEvent.click(screen.getByRole("radio", { name: "6h" }));
    expect(screen.getByTestId("value").textContent).toBe("6h");
    expect(screen.getByRole("radio", { name: "6h" }).getAttribute("aria-checked")).toBe("true");
  });

  it("moves with arrow keys, Home and End, clamped at the ends", () => {
    render(<Harness initial="1h" />);
    const group = screen.getByRole("radiogroup");
    fireEvent.keyDown(group, { key: "ArrowRight" });
    expect(screen.getByTestId("value").textContent).toBe("2h");
    fireEvent.keyDown(group, { key: "ArrowLeft" });
    fireEvent.keyDown(group, { key: "ArrowLeft" });
    expect(screen.getByTestId("value").textContent).toBe("10m");
    fireEvent.keyDown(group, { key: "End" });
    expect(screen.getByTestId("value").textContent).toBe("24h");
    fireEvent.keyDown(group, { key: "ArrowRight" });
    expect(screen.getByTestId("value").textContent).toBe("24h");
    fireEvent.keyDown(group, { key: "Home" });
    expect(screen.getByTestId("value").textContent).toBe("5m");
  });
});
