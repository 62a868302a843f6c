import { useState } from "react";
import type { Host } from "../../api/types";
import { Field, Input } from "../../components/field";
import { FormDialog } from "../../components/form-dialog";
import { parseTags } from "./host-format";
import { updateTags, useInvalidateHosts } from "./queries";

/** Replaces a host's tags (the scheduler matches capsules to hosts by them). */
export function TagsDialog({ host, onClose }: { host: Host | null; onClose: () => void }) {
  const invalidate = useInvalidateHosts();
  const [text, setText] = useState(host?.tags.join(", ") ?? "");
  // Opened for another host: start from that host's tags (state adjusted during render, no flash).
  const [openedFor, setOpenedFor] = useState(host?.id);
  if (host && host.id !== openedFor) {
    setOpenedFor(host.id);
    setText(host.tags.join(", "));
  }
  const close = (): void => {
    setOpenedFor(undefined);
    onClose();
  };
  return (
    <FormDialog
      open={host !== null}
      onClose={close}
      title="Edit tags"
      description={host ? <span className="font-mono">{host.id}</span> : undefined}
      formId="edit-host-tags"
      submitLabel="Save tags"
      onSubmit={async () => {
        if (!host) return;
        await updateTags(host.id, parseTags(text));
        await invalidate();
        close();
      }}
    >
      <Field label="Tags" hint="Separated by commas or spaces. Empty removes every tag.">
        {(id) => <Input id={id} value={text} onChange={(e) => setText(e.target.value)} autoFocus spellCheck={false} />}
      </Field>
    </FormDialog>
  );
}
