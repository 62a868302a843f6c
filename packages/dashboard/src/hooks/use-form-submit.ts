import { useState, type FormEvent } from "react";
import { messageOf } from "../api/client";

/**
 * A form's submit: no page reload, `busy` while the action runs, and the API's message as
 * `error` when it fails (cleared on the next try).
 */
export function useFormSubmit(action: () => Promise<unknown>): {
  busy: boolean;
  error: string | null;
  setError: (error: string | null) => void;
  onSubmit: (e: FormEvent) => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    void action()
      .catch((err: unknown) => setError(messageOf(err)))
      .finally(() => setBusy(false));
  };
  return { busy, error, setError, onSubmit };
}
