import { forwardRef, useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from "react";
import { cx } from "./cx";

export const controlClass =
  "rounded-md border border-line-strong bg-canvas px-2.5 text-[13px] text-ink placeholder:text-ink-faint " +
  "hover:border-ink-faint focus:border-accent focus:outline-none focus-visible:outline-none focus:ring-1 focus:ring-accent/50 disabled:opacity-50";

/** Full width and standard height unless the caller sets them (two utilities for one property fight in CSS order). */
const width = (className?: string): string => (className && /(^|\s)w-/.test(className) ? "" : "w-full");
const height = (className?: string): string => (className && /(^|\s)h-/.test(className) ? "" : "h-8");

export function Input({ className, ...rest }: InputHTMLAttributes<HTMLInputElement>) {
  return <input className={cx(controlClass, width(className), height(className), className)} {...rest} />;
}

export function Select({ className, children, ...rest }: SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <select className={cx(controlClass, width(className), height(className), "pr-7", className)} {...rest}>
      {children}
    </select>
  );
}

export const Textarea = forwardRef<HTMLTextAreaElement, TextareaHTMLAttributes<HTMLTextAreaElement>>(function Textarea({ className, ...rest }, ref) {
  return <textarea ref={ref} className={cx(controlClass, width(className), "py-2 font-mono text-[12px]", className)} {...rest} />;
});

/** A labelled control; `children` receives the id to put on the control. */
export function Field({ label, hint, children, className }: { label: string; hint?: ReactNode; children: (id: string) => ReactNode; className?: string }) {
  const id = useId();
  return (
    <div className={cx("flex flex-col gap-1.5", className)}>
      <label htmlFor={id} className="text-[12px] font-medium text-ink-dim">
        {label}
      </label>
      {children(id)}
      {hint ? <p className="text-[12px] text-ink-faint">{hint}</p> : null}
    </div>
  );
}

/** An API error (or any message) next to a form, verbatim. */
export function FormError({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p role="alert" className="rounded-md border border-rose-500/30 bg-rose-500/10 px-3 py-2 text-[13px] text-rose-200">
      {message}
    </p>
  );
}
