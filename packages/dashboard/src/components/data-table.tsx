import type { ReactNode } from "react";
import { Button } from "./button";
import { cx } from "./cx";
import { table } from "./page";
import { ErrorState, LoadingRows } from "./states";

/** One column: its header, its width (none = takes the rest) and how a row fills its cell. */
export interface Column<T> {
  /** Stable React key; also `data-column` on the cells, for tests and styling. */
  key: string;
  header: ReactNode;
  /** Fixed width in px; leave one column without a width to absorb the rest. */
  width?: number;
  cell: (row: T) => ReactNode;
  /** Extra classes on the cell (`truncate`, `text-ink-dim`, …). */
  className?: string;
  /** Extra classes on the header cell (`text-right` for numbers). */
  headerClassName?: string;
  /** The cell's tooltip (e.g. the absolute time behind "3m ago"). */
  title?: (row: T) => string | undefined;
}

/** A button at the end of a row. Real buttons, so Tab reaches them in row order. */
export interface RowAction {
  label: string;
  onClick: () => void;
  /** The accessible name when `label` alone is ambiguous across rows ("Revoke ci"). */
  ariaLabel?: string;
  danger?: boolean;
  disabled?: boolean;
  busy?: boolean;
}

/** What DataTable reads from a react-query result (its rows, error and retry). */
export interface RowsQuery<T> {
  data: readonly T[] | undefined | null;
  error: unknown;
  refetch: () => unknown;
}

export interface DataTableProps<T> {
  columns: Column<T>[];
  /** A query whose `data` are the rows; its error and refetch drive the error state. */
  query?: RowsQuery<T>;
  /** Without `query`: the rows; undefined means not loaded yet (loading, or `error` when there is one). */
  rows?: readonly T[] | undefined;
  rowKey: (row: T) => string;
  /** `data-*` attributes for a row (tests find rows by them). */
  rowData?: (row: T) => Record<`data-${string}`, string>;
  /** Buttons for a row; falsy entries are skipped. Adds an "Actions" column at the end. */
  actions?: (row: T) => (RowAction | null | false | undefined)[];
  actionsWidth?: number;
  error?: unknown;
  onRetry?: () => void;
  errorTitle?: string;
  /** Shown instead of the table when `rows` is empty. */
  empty: ReactNode;
  loadingRows?: number;
  loadingLabel?: string;
  /** The table's accessible name. */
  label?: string;
  testId?: string;
  /** Scroll sideways inside the panel instead of widening it (default true). */
  scroll?: boolean;
}

/**
 * The dashboard's table: loading → error (the API's message, with retry) → empty → rows,
 * with the shared dense look, fixed column widths and row actions at the end.
 */
export function DataTable<T>({
  columns,
  query,
  rows: givenRows,
  rowKey,
  rowData,
  actions,
  actionsWidth = 100,
  error: givenError,
  onRetry: givenRetry,
  errorTitle,
  empty,
  loadingRows = 3,
  loadingLabel,
  label,
  testId,
  scroll = true,
}: DataTableProps<T>) {
  const rows = query ? (query.data ?? undefined) : givenRows;
  const error = query ? query.error : givenError;
  const onRetry = query ? () => void query.refetch() : givenRetry;
  if (rows === undefined) {
    if (error) return <ErrorState error={error} onRetry={onRetry} title={errorTitle} />;
    return <LoadingRows rows={loadingRows} label={loadingLabel} />;
  }
  if (rows.length === 0) return <>{empty}</>;
  const body = (
    <table className={cx(table.table, "table-fixed")} aria-label={label} data-testid={testId}>
      <colgroup>
        {columns.map((c) => (
          <col key={c.key} style={c.width ? { width: c.width } : undefined} />
        ))}
        {actions ? <col style={{ width: actionsWidth }} /> : null}
      </colgroup>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.key} className={cx(table.th, c.headerClassName)} scope="col">
              {c.header}
            </th>
          ))}
          {actions ? (
            <th className={table.th} scope="col">
              <span className="sr-only">Actions</span>
            </th>
          ) : null}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)} className={table.tr} {...rowData?.(row)}>
            {columns.map((c) => (
              <td key={c.key} className={cx(table.td, c.className)} title={c.title?.(row)} data-column={c.key}>
                {c.cell(row)}
              </td>
            ))}
            {actions ? (
              <td className={table.td}>
                <RowActions actions={actions(row)} />
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
  return scroll ? <div className={table.wrap}>{body}</div> : body;
}

function RowActions({ actions }: { actions: (RowAction | null | false | undefined)[] }) {
  const shown = actions.filter((a): a is RowAction => Boolean(a));
  if (shown.length === 0) return null;
  return (
    <div className="flex justify-end gap-1.5">
      {shown.map((a) => (
        <Button key={a.label} size="sm" variant={a.danger ? "danger" : "secondary"} onClick={a.onClick} aria-label={a.ariaLabel} disabled={a.disabled} busy={a.busy}>
          {a.label}
        </Button>
      ))}
    </div>
  );
}
