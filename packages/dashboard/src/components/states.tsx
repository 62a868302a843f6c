import type { ReactNode } from "react";
import { messageOf } from "../api/client";
import { Button } from "./button";
import { cx } from "./cx";

/** Placeholder rows the size of real ones, so content replaces them without a jump. */
export function LoadingRows({ rows = 4, label = "Loading" }: { rows?: number; label?: string }) {
  return (
    <div role="status" aria-label={label} className="flex flex-col gap-2 p-3">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="h-7 animate-pulse rounded bg-raised" style={{ opacity: 1 - i * 0.15 }} />
      ))}
      <span className="sr-only">{label}…</span>
    </div>
  );
}

export function EmptyState({ title, children, action, className }: { title: string; children?: ReactNode; action?: ReactNode; className?: string }) {
  return (
    <div className={cx("flex flex-col items-center justify-center gap-2 px-6 py-14 text-center", className)}>
      <div className="mb-1 h-9 w-9 rounded-lg border border-dashed border-line-strong" aria-hidden="true" />
      <p className="text-[14px] font-medium text-ink">{title}</p>
      {children ? <div className="max-w-md text-[13px] text-ink-dim">{children}</div> : null}
      {action ? <div className="mt-2">{action}</div> : null}
    </div>
  );
}

/** The API's own message, and a way to try again. */
export function ErrorState({ error, onRetry, title = "Could not load this" }: { error: unknown; onRetry?: () => void; title?: string }) {
  return (
    <div role="alert" className="flex flex-col items-center justify-center gap-2 px-6 py-12 text-center">
      <p className="text-[14px] font-medium text-rose-200">{title}</p>
      <p className="max-w-lg font-mono text-[12px] text-rose-200/80">{messageOf(error)}</p>
      {onRetry ? (
        <Button size="sm" onClick={onRetry} className="mt-2">
          Try again
        </Button>
      ) : null}
    </div>
  );
}

/** Loading → error → empty → content, in that order, for any query-shaped state. */
export function QueryState<T>({
  query,
  isEmpty,
  empty,
  loading,
  children,
}: {
  query: { data: T | undefined; error: unknown; isPending: boolean; refetch: () => unknown };
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  loading?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (query.data === undefined) {
    if (query.error) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
    return <>{loading ?? <LoadingRows />}</>;
  }
  if (isEmpty?.(query.data)) return <>{empty}</>;
  return <>{children(query.data)}</>;
}
