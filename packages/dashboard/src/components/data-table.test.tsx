// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/client";
import { DataTable, type Column } from "./data-table";

afterEach(cleanup);

interface Row {
  id: string;
  name: string;
  count: number;
}
const rows: Row[] = [
  { id: "r1", name: "alpha", count: 1 },
  { id: "r2", name: "beta", count: 2 },
];
const columns: Column<Row>[] = [
  { key: "name", header: "Name", cell: (r) => r.name, title: (r) => `name ${r.name}` },
  { key: "count", header: "Count", width: 80, className: "tabular-nums", cell: (r) => r.count },
];

describe("DataTable", () => {
  it("shows placeholder rows while loading", () => {
    render(<DataTable columns={columns} rows={undefined} rowKey={(r) => r.id} empty={<p>nothing</p>} />);
    expect(screen.getByRole("status", { name: "Loading" })).toBeTruthy();
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("shows the API's message verbatim with a retry when loading failed", () => {
    const onRetry = vi.fn();
    render(<DataTable columns={columns} rows={undefined} error={new ApiError(403, "forbidden", "platform admins only")} onRetry={onRetry} errorTitle="Could not list rows" rowKey={(r) => r.id} empty={null} />);
    const alert = screen.getByRole("alert");
    expect(within(alert).getByText("Could not list rows")).toBeTruthy();
    expect(within(alert).getByText("platform admins only")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(onRetry).toHaveBeenCalledTimes(1);
  });

  it("takes rows, error and retry from a query", () => {
    const refetch = vi.fn();
    const { rerender } = render(<DataTable columns={columns} query={{ data: undefined, error: new Error("boom"), refetch }} rowKey={(r) => r.id} empty={null} />);
    expect(screen.getByText("boom")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(refetch).toHaveBeenCalledTimes(1);
    rerender(<DataTable columns={columns} query={{ data: rows, error: null, refetch }} rowKey={(r) => r.id} empty={null} />);
    expect(screen.getAllByRole("row")).toHaveLength(3);
  });

  it("shows the empty state for no rows", () => {
    render(<DataTable columns={columns} rows={[]} rowKey={(r) => r.id} empty={<p>No rows yet</p>} />);
    expect(screen.getByText("No rows yet")).toBeTruthy();
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("renders headers, cells, widths, tooltips and row data attributes", () => {
    render(<DataTable columns={columns} rows={rows} rowKey={(r) => r.id} rowData={(r) => ({ "data-row-id": r.id })} empty={null} label="Things" testId="things" />);
    const table = screen.getByRole("table", { name: "Things" });
    expect(table.getAttribute("data-testid")).toBe("things");
    expect(within(table).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Name", "Count"]);
    const cols = table.querySelectorAll("col");
    expect(cols[1]!.getAttribute("style")).toContain("width: 80px");
    const second = table.querySelector('tr[data-row-id="r2"]')!;
    expect([...second.querySelectorAll("td")].map((td) => td.textContent)).toEqual(["beta", "2"]);
    expect(second.querySelector('td[data-column="name"]')!.getAttribute("title")).toBe("name beta");
    expect(second.querySelector('td[data-column="count"]')!.className).toContain("tabular-nums");
  });

  it("puts row actions in a last column of real, focusable, named buttons, skipping falsy ones", () => {
    const remove = vi.fn();
    render(
      <DataTable
        columns={columns}
        rows={rows}
        rowKey={(r) => r.id}
        empty={null}
        actions={(r) => [r.count > 1 && { label: "Boost", onClick: () => {} }, { label: "Remove", ariaLabel: `Remove ${r.name}`, danger: true, onClick: () => remove(r.id) }]}
      />,
    );
    const headers = screen.getAllByRole("columnheader");
    expect(headers[headers.length - 1]!.textContent).toBe("Actions");
    expect(screen.getAllByRole("button", { name: "Boost" })).toHaveLength(1);
    const button = screen.getByRole("button", { name: "Remove beta" });
    expect(button.tagName).toBe("BUTTON");
    expect(button.getAttribute("tabindex")).toBeNull();
    button.focus();
    expect(document.activeElement).toBe(button);
    // In reading order: alpha's actions come before beta's.
    const all = screen.getAllByRole("button").map((b) => b.getAttribute("aria-label") ?? b.textContent);
    expect(all).toEqual(["Remove alpha", "Boost", "Remove beta"]);
    fireEvent.click(button);
    expect(remove).toHaveBeenCalledWith("r2");
  });
});
