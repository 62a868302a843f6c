import { useRef, type KeyboardEvent } from "react";
import { stepRange, type RangeOption } from "../lib/ranges";
import { cx } from "./cx";

/** A segmented radio group: click, or arrow keys to move (roving tab stop like native radios). */
export function RangePicker<R extends string>({
  options,
  value,
  onChange,
  label = "Time range",
}: {
  options: readonly RangeOption<R>[];
  value: R;
  onChange: (value: R) => void;
  label?: string;
}) {
  const group = useRef<HTMLDivElement>(null);
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    const delta = e.key === "ArrowRight" || e.key === "ArrowDown" ? 1 : e.key === "ArrowLeft" || e.key === "ArrowUp" ? -1 : 0;
    let next: R | undefined;
    if (delta) next = stepRange(options, value, delta);
    if (e.key === "Home") next = options[0]?.value;
    if (e.key === "End") next = options[options.length - 1]?.value;
    if (next === undefined) return;
    e.preventDefault();
    onChange(next);
    const i = options.findIndex((o) => o.value === next);
    group.current?.querySelectorAll<HTMLButtonElement>("[role=radio]")[i]?.focus();
  };
  return (
    <div ref={group} role="radiogroup" aria-label={label} onKeyDown={onKeyDown} className="inline-flex rounded-md border border-line-strong bg-canvas p-0.5">
      {options.map((o) => {
        const checked = o.value === value;
        return (
          <button
            key={o.value}
            type="button"
            role="radio"
            aria-checked={checked}
            tabIndex={checked ? 0 : -1}
            onClick={() => onChange(o.value)}
            className={cx(
              "h-6 min-w-9 rounded px-2 font-mono text-[12px] transition-colors",
              checked ? "bg-raised text-ink shadow-[inset_0_0_0_1px_var(--color-line-strong)]" : "text-ink-faint hover:text-ink",
            )}
          >
            {o.label}
          </button>
        );
      })}
    </div>
  );
}
