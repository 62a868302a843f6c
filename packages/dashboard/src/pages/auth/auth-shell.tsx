import type { ReactNode } from "react";

/** The centred card every signed-out page sits in. */
export function AuthShell({ title, subtitle, children, footer }: { title: string; subtitle?: ReactNode; children: ReactNode; footer?: ReactNode }) {
  return (
    <main className="flex min-h-full items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex items-center gap-2">
          <svg viewBox="0 0 32 32" className="h-7 w-7" aria-hidden="true">
            <rect width="32" height="32" rx="7" fill="#1b2027" />
            <path d="M7 10l4 13 5-9 5 9 4-13" fill="none" stroke="#5eead4" strokeWidth="2.6" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
          <span className="text-[16px] font-semibold tracking-tight">Wrenn</span>
        </div>
        <div className="rounded-lg border border-line bg-panel p-6">
          <h1 className="text-[17px] font-semibold">{title}</h1>
          {subtitle ? <p className="mt-1 text-[13px] text-ink-dim">{subtitle}</p> : null}
          <div className="mt-5">{children}</div>
        </div>
        {footer ? <div className="mt-4 text-center text-[13px] text-ink-dim">{footer}</div> : null}
      </div>
    </main>
  );
}

export const linkClass = "text-accent hover:underline underline-offset-2";
