import { useEffect, useId, useRef, type ReactNode } from "react";
import { cx } from "./cx";

/**
 * A modal on the native <dialog>: the browser traps focus, closes on Escape and restores
 * focus to the opener, which keeps every dialog keyboard-usable without extra code.
 */
export function Dialog({
  open,
  onClose,
  title,
  description,
  children,
  footer,
  wide,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  description?: ReactNode;
  children?: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (open && !el.open) {
      if (typeof el.showModal === "function") el.showModal();
      else el.setAttribute("open", "");
    }
    if (!open && el.open) {
      if (typeof el.close === "function") el.close();
      else el.removeAttribute("open");
    }
  }, [open]);
  return (
    <dialog
      ref={ref}
      onClose={onClose}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      aria-labelledby={open ? titleId : undefined}
      className={cx(
        "m-auto w-[calc(100%-2rem)] rounded-lg border border-line-strong bg-panel p-0 text-ink shadow-2xl shadow-black/60",
        wide ? "max-w-2xl" : "max-w-md",
      )}
    >
      {open ? (
        <div className="flex max-h-[85vh] flex-col">
          <header className="border-b border-line px-5 py-4">
            <h2 id={titleId} className="text-[15px] font-semibold">
              {title}
            </h2>
            {description ? <div className="mt-1 text-[13px] text-ink-dim">{description}</div> : null}
          </header>
          <div className="overflow-y-auto px-5 py-4">{children}</div>
          {footer ? <footer className="flex justify-end gap-2 border-t border-line px-5 py-3">{footer}</footer> : null}
        </div>
      ) : null}
    </dialog>
  );
}
