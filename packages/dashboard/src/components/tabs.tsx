import { NavLink } from "react-router";
import { cx } from "./cx";

/** Route-driven tabs: each tab is a link, so tabs survive reload and work with back/forward. */
export function TabLinks({ tabs, label }: { tabs: { to: string; label: string }[]; label: string }) {
  return (
    <nav aria-label={label} className="flex gap-1 border-b border-line">
      {tabs.map((t) => (
        <NavLink
          key={t.to}
          to={t.to}
          replace
          className={({ isActive }) =>
            cx(
              "-mb-px border-b-2 px-3 py-2 text-[13px] transition-colors",
              isActive ? "border-accent text-ink" : "border-transparent text-ink-faint hover:text-ink",
            )
          }
        >
          {t.label}
        </NavLink>
      ))}
    </nav>
  );
}
