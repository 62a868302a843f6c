import type { ReactNode } from "react";
import { cx } from "./cx";

export function PageHeader({ title, description, actions }: { title: ReactNode; description?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="flex flex-wrap items-end justify-between gap-3 pb-5">
      <div className="min-w-0">
        <h1 className="text-[20px] font-semibold tracking-tight text-ink">{title}</h1>
        {description ? <p className="mt-1 text-[13px] text-ink-dim">{description}</p> : null}
      </div>
      {actions ? <div className="flex items-center gap-2">{actions}</div> : null}
    </header>
  );
}

/** A bordered surface; with a title it becomes a section with its own header row. */
export function Panel({ title, actions, children, className, bodyClassName }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string; bodyClassName?: string }) {
  return (
    <section className={cx("rounded-lg border border-line bg-panel", className)}>
      {title || actions ? (
        <div className="flex min-h-11 items-center justify-between gap-3 border-b border-line px-4 py-2">
          <h2 className="text-[13px] font-semibold text-ink">{title}</h2>
          {actions ? <div className="flex items-center gap-2">{actions}</div> : null}
        </div>
      ) : null}
      <div className={bodyClassName}>{children}</div>
    </section>
  );
}

/** Ids, paths and numbers: monospace, truncated with the full value in the tooltip. */
export function Mono({ children, className, title }: { children: ReactNode; className?: string; title?: string }) {
  return (
    <span className={cx("font-mono text-[12px]", className)} title={title ?? (typeof children === "string" ? children : undefined)}>
      {children}
    </span>
  );
}

/** The shared table look: dense rows, sticky header, quiet separators. */
export const table = {
  wrap: "overflow-x-auto",
  table: "w-full border-collapse text-left text-[13px]",
  th: "sticky top-0 z-[1] h-9 border-b border-line bg-panel px-3 text-[11px] font-medium uppercase tracking-wide text-ink-faint whitespace-nowrap",
  tr: "border-b border-line/70 last:border-b-0 hover:bg-raised/60",
  td: "h-10 px-3 align-middle whitespace-nowrap",
};
