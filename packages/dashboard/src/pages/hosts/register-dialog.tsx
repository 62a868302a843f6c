import { useState } from "react";
import type { HostRegistration, HostType } from "../../api/types";
import { Field, Input, Select } from "../../components/field";
import { FormDialog } from "../../components/form-dialog";
import { parseTags } from "./host-format";
import { registerHost, useInvalidateHosts } from "./queries";
import { TokenPanel } from "./token-panel";

/**
 * Creates a pending host and shows its one-time token. Platform admins pick the type;
 * a BYOC team's owners and admins can only add BYOC hosts to their current team.
 */
export function RegisterHostDialog({ open, onClose, isAdmin, currentTeamId }: { open: boolean; onClose: () => void; isAdmin: boolean; currentTeamId: string }) {
  const invalidate = useInvalidateHosts();
  const [type, setType] = useState<HostType>(isAdmin ? "regular" : "byoc");
  const [teamId, setTeamId] = useState(currentTeamId);
  const [tags, setTags] = useState("");
  const [created, setCreated] = useState<HostRegistration | null>(null);
  const close = (): void => {
    setType(isAdmin ? "regular" : "byoc");
    setTeamId(currentTeamId);
    setTags("");
    setCreated(null);
    onClose();
  };
  const submit = async (): Promise<void> => {
    const parsed = parseTags(tags);
    setCreated(await registerHost({ type, ...(type === "byoc" ? { team_id: teamId.trim() } : {}), ...(parsed.length ? { tags: parsed } : {}) }));
    void invalidate();
  };
  return (
    <FormDialog
      open={open}
      onClose={close}
      wide={created !== null}
      title={created ? "Run this on the host" : "Register host"}
      description={created ? undefined : "Creates a pending host and a one-time registration token for its agent."}
      formId="register-host"
      submitLabel="Create token"
      onSubmit={submit}
      result={created ? <TokenPanel hostId={created.host.id} token={created.registration_token} /> : null}
    >
      <Field label="Type" hint={type === "byoc" ? "A team’s own machine: only that team’s capsules run on it." : "A platform host: any team’s capsules may run on it."}>
        {(id) => (
          <Select id={id} value={type} onChange={(e) => setType(e.target.value as HostType)} disabled={!isAdmin}>
            <option value="regular">Regular (platform)</option>
            <option value="byoc">BYOC (bring your own compute)</option>
          </Select>
        )}
      </Field>
      {type === "byoc" ? (
        <Field label="Team id" hint="The team that owns the host; defaults to your current team.">
          {(id) => <Input id={id} value={teamId} onChange={(e) => setTeamId(e.target.value)} required disabled={!isAdmin} className="font-mono" spellCheck={false} />}
        </Field>
      ) : null}
      <Field label="Tags" hint="Optional, separated by commas or spaces, e.g. “gpu, eu-west”.">
        {(id) => <Input id={id} value={tags} onChange={(e) => setTags(e.target.value)} spellCheck={false} />}
      </Field>
    </FormDialog>
  );
}
