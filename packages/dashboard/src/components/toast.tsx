import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { cx } from "./cx";

interface Toast {
  id: number;
  tone: "ok" | "error";
  text: string;
}

interface ToastApi {
  ok: (text: string) => void;
  error: (text: string) => void;
}

const ToastContext = createContext<ToastApi>({ ok: () => {}, error: () => {} });

/** Results of row actions (pause failed: <API message>), announced politely, gone after a while. */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const push = useCallback((tone: Toast["tone"], text: string) => {
    const id = Date.now() + Math.random();
    setToasts((t) => [...t.slice(-3), { id, tone, text }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), tone === "error" ? 8000 : 3500);
  }, []);
  const api = useMemo<ToastApi>(() => ({ ok: (t) => push("ok", t), error: (t) => push("error", t) }), [push]);
  return (
    <ToastContext.Provider value={api}>
      {children}
      <div aria-live="polite" className="pointer-events-none fixed bottom-4 right-4 z-50 flex w-96 max-w-[calc(100vw-2rem)] flex-col gap-2">
        {toasts.map((t) => (
          <div
            key={t.id}
            role={t.tone === "error" ? "alert" : "status"}
            className={cx(
              "pointer-events-auto rounded-md border px-3 py-2 text-[13px] shadow-lg shadow-black/40",
              t.tone === "error" ? "border-rose-500/40 bg-[#2a1418] text-rose-100" : "border-line-strong bg-raised text-ink",
            )}
          >
            {t.text}
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): ToastApi {
  return useContext(ToastContext);
}
