import type { ReactNode } from "react";
import { useFormSubmit } from "../hooks/use-form-submit";
import { Button } from "./button";
import { cx } from "./cx";
import { Dialog } from "./dialog";
import { FormError } from "./field";

/**
 * A dialog around one form: Cancel and a submit button in the footer, a spinner while
 * `onSubmit` runs, and whatever it throws (the API's message, or a validation message)
 * shown verbatim under the fields. `onSubmit` decides what success means: usually it
 * calls `onClose`; a dialog that reveals a one-time secret sets `result` instead, which
 * replaces the form and leaves only a Done button.
 */
export function FormDialog({
  open,
  onClose,
  title,
  description,
  formId,
  submitLabel,
  onSubmit,
  children,
  result,
  wide,
  className = "gap-3",
}: {
  open: boolean;
  /** Also where the caller resets its fields; not called while submitting. */
  onClose: () => void;
  title: string;
  description?: ReactNode;
  formId: string;
  submitLabel: string;
  onSubmit: () => Promise<unknown>;
  children: ReactNode;
  result?: ReactNode;
  wide?: boolean;
  className?: string;
}) {
  const { busy, error, setError, onSubmit: submit } = useFormSubmit(onSubmit);
  const close = (): void => {
    if (busy) return;
    setError(null);
    onClose();
  };
  const done = result !== undefined && result !== null && result !== false;
  return (
    <Dialog
      open={open}
      onClose={close}
      title={title}
      description={description}
      wide={wide}
      footer={
        done ? (
          <Button variant="primary" onClick={close}>
            Done
          </Button>
        ) : (
          <>
            <Button variant="ghost" onClick={close} disabled={busy}>
              Cancel
            </Button>
            <Button type="submit" form={formId} variant="primary" busy={busy}>
              {submitLabel}
            </Button>
          </>
        )
      }
    >
      {done ? (
        result
      ) : (
        <form id={formId} onSubmit={submit} className={cx("flex flex-col", className)}>
          {children}
          <FormError message={error} />
        </form>
      )}
    </Dialog>
  );
}
