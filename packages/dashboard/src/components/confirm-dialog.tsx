import { useState, type ReactNode } from "react";
import { messageOf } from "../api/client";
import { Button } from "./button";
import { Dialog } from "./dialog";
import { Field, FormError, Input } from "./field";

/**
 * Asks before a destructive action and runs it; the API's error stays in the dialog.
 * With `typeToConfirm`, the action is enabled only once that exact text is typed.
 */
export function ConfirmDialog({
  open,
  onClose,
  title,
  body,
  confirmLabel,
  danger = true,
  typeToConfirm,
  onConfirm,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  body: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  typeToConfirm?: string;
  onConfirm: () => Promise<unknown>;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [typed, setTyped] = useState("");
  const close = (): void => {
    if (busy) return;
    setError(null);
    setTyped("");
    onClose();
  };
  const run = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      setTyped("");
      onClose();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const blocked = typeToConfirm !== undefined && typed !== typeToConfirm;
  return (
    <Dialog
      open={open}
      onClose={close}
      title={title}
      footer={
        <>
          <Button variant="ghost" onClick={close} disabled={busy}>
            Cancel
          </Button>
          <Button variant={danger ? "danger" : "primary"} busy={busy} disabled={blocked} onClick={() => void run()} data-testid="confirm-action">
            {confirmLabel}
          </Button>
        </>
      }
    >
      <div className="flex flex-col gap-3 text-[13px] text-ink-dim">
        <div>{body}</div>
        {typeToConfirm !== undefined ? (
          <Field label={`Type ${typeToConfirm} to confirm`}>
            {(id) => <Input id={id} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} className="font-mono" />}
          </Field>
        ) : null}
        <FormError message={error} />
      </div>
    </Dialog>
  );
}
