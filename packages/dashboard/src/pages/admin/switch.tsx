import { cx } from "../../components/cx";

/** An on/off toggle: a button with role="switch", so Space and Enter flip it and readers say its state. */
export function Switch({ checked, label, onChange, busy, disabled }: { checked: boolean; label: string; onChange: (checked: boolean) => void; busy?: boolean; disabled?: boolean }) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-label={label}
      aria-busy={busy || undefined}
      disabled={disabled || busy}
      onClick={() => onChange(!checked)}
      className="inline-flex items-center gap-2 text-[12px] text-ink-dim disabled:opacity-50"
    >
      <span className={cx("relative h-4 w-7 rounded-full border transition-colors", checked ? "border-accent bg-accent/40" : "border-line-strong bg-raised")} aria-hidden="true">
        <span className={cx("absolute top-0.5 h-2.5 w-2.5 rounded-full transition-all", checked ? "left-3.5 bg-accent" : "left-0.5 bg-ink-faint")} />
      </span>
      {checked ? "On" : "Off"}
    </button>
  );
}
