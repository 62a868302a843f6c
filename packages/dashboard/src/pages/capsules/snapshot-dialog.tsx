import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, messageOf } from "../../api/client";
import type { Template } from "../../api/types";
import { Button } from "../../components/button";
import { Dialog } from "../../components/dialog";
import { Field, FormError, Input } from "../../components/field";
import { useToast } from "../../components/toast";

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;

/** Saves a capsule as a team template; overwriting an existing name needs an explicit tick. */
export function SnapshotDialog({ capsuleId, onClose }: { capsuleId: string | null; onClose: () => void }) {
  const [name, setName] = useState("");
  const [overwrite, setOverwrite] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const toast = useToast();
  const close = (): void => {
    if (busy) return;
    setName("");
    setOverwrite(false);
    setError(null);
    onClose();
  };
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!capsuleId) return;
    if (name && !NAME.test(name)) {
      setError("A template name starts with a letter or digit and has at most 64 letters, digits, dots, dashes or underscores.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const t = await api<Template>("POST", "/snapshots", { body: { capsule_id: capsuleId, ...(name ? { name } : {}), ...(overwrite ? { overwrite } : {}) } });
      void queryClient.invalidateQueries({ queryKey: ["snapshots"] });
      void queryClient.invalidateQueries({ queryKey: ["capsules"] });
      toast.ok(`Snapshot ${t.name} saved.`);
      setName("");
      setOverwrite(false);
      onClose();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open={capsuleId !== null}
      onClose={close}
      title="Snapshot capsule"
      description={
        <>
          Saves memory and disk of <span className="font-mono text-ink">{capsuleId}</span> as a template you can start new capsules from.
        </>
      }
      footer={
        <>
          <Button variant="ghost" onClick={close} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" form="snapshot-capsule" variant="primary" busy={busy}>
            Take snapshot
          </Button>
        </>
      }
    >
      <form id="snapshot-capsule" onSubmit={(e) => void submit(e)} className="flex flex-col gap-4">
        <Field label="Template name" hint="Leave empty for a generated name.">
          {(id) => <Input id={id} value={name} onChange={(e) => setName(e.target.value)} className="font-mono" placeholder="my-env" autoFocus />}
        </Field>
        <label className="flex items-center gap-2 text-[13px] text-ink-dim">
          <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} className="accent-[var(--color-accent)]" />
          Replace a template with the same name
        </label>
        <FormError message={error} />
      </form>
    </Dialog>
  );
}
