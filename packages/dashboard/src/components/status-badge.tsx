import { statusLook, toneClasses } from "../lib/status";
import { cx } from "./cx";

/** Colour and word together, fixed width so a live status change does not shift the row. */
export function StatusBadge({ status, className }: { status: string; className?: string }) {
  const look = statusLook(status);
  const tone = toneClasses[look.tone];
  return (
    <span
      className={cx("inline-flex min-w-[5.75rem] items-center gap-1.5 rounded-full border px-2 py-0.5 text-[12px] font-medium", tone.ring, tone.text, className)}
      data-status={status}
    >
      <span className={cx("h-1.5 w-1.5 shrink-0 rounded-full", tone.dot, look.busy && "animate-pulse")} aria-hidden="true" />
      {look.label}
    </span>
  );
}
