import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api/client";
import type { Template } from "../../api/types";
import { Field, Input } from "../../components/field";
import { FormDialog } from "../../components/form-dialog";
import { useToast } from "../../components/toast";

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;

/** Saves a capsule as a team template; overwriting an existing name needs an explicit tick. */
export function SnapshotDialog({ capsuleId, onClose }: { capsuleId: string | null; onClose: () => void }) {
  const [name, setName] = useState("");
  const [overwrite, setOverwrite] = useState(false);
  const queryClient = useQueryClient();
  const toast = useToast();
  const close = (): void => {
    setName("");
    setOverwrite(false);
    onClose();
  };
  const submit = async (): Promise<void> => {
    if (!capsuleId) return;
    if (name && !NAME.test(name)) throw new Error("A template name starts with a letter or digit and has at most 64 letters, digits, dots, dashes or underscores.");
    const t = await api<Template>("POST", "/snapshots", { body: { capsule_id: capsuleId, ...(name ? { name } : {}), ...(overwrite ? { overwrite } : {}) } });
    void queryClient.invalidateQueries({ queryKey: ["snapshots"] });
    void queryClient.invalidateQueries({ queryKey: ["capsules"] });
    toast.ok(`Snapshot ${t.name} saved.`);
    close();
  };
  return (
    <FormDialog
      open={capsuleId !== null}
      onClose={close}
      title="Snapshot capsule"
      description={
        <>
          Saves memory and disk of <span className="font-mono text-ink">{capsuleId}</span> as a template you can start new capsules from.
        </>
      }
      formId="snapshot-capsule"
      submitLabel="Take snapshot"
      onSubmit={submit}
      className="gap-4"
    >
      <Field label="Template name" hint="Leave empty for a generated name.">
        {(id) => <Input id={id} value={name} onChange={(e) => setName(e.target.value)} className="font-mono" placeholder="my-env" autoFocus />}
      </Field>
      <label className="flex items-center gap-2 text-[13px] text-ink-dim">
        <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} className="accent-[var(--color-accent)]" />
        Replace a template with the same name
      </label>
    </FormDialog>
  );
}
