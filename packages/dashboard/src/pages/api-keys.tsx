import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, itemsOf } from "../api/client";
import type { ApiKey, CreatedApiKey } from "../api/types";
import { Button } from "../components/button";
import { ConfirmDialog } from "../components/confirm-dialog";
import { CopyButton } from "../components/copy-button";
import { DataTable } from "../components/data-table";
import { Field, Input } from "../components/field";
import { FormDialog } from "../components/form-dialog";
import { Icon } from "../components/icons";
import { Mono, PageHeader, Panel } from "../components/page";
import { EmptyState } from "../components/states";
import { useNow } from "../hooks/use-now";
import { formatAge, formatTime } from "../lib/format";

function CreateKeyDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const close = (): void => {
    setName("");
    setCreated(null);
    onClose();
  };
  return (
    <FormDialog
      open={open}
      onClose={close}
      title={created ? "Copy your new key" : "New API key"}
      description={created ? "This is the only time the key is shown. Store it somewhere safe." : "Keys act for this team with full access to its capsules."}
      formId="create-key"
      submitLabel="Create key"
      onSubmit={async () => {
        setCreated(await api<CreatedApiKey>("POST", "/api-keys", { body: { name: name.trim() } }));
        void queryClient.invalidateQueries({ queryKey: ["api-keys"] });
      }}
      result={
        created ? (
          <div className="flex flex-col gap-3">
            <div className="flex items-center gap-2 rounded-md border border-accent/40 bg-accent/5 px-3 py-2.5">
              <code className="min-w-0 flex-1 break-all font-mono text-[13px] text-ink" data-testid="new-api-key">
                {created.key}
              </code>
              <CopyButton text={created.key} />
            </div>
            <p className="text-[12px] text-ink-dim">
              Use it as <span className="font-mono">X-API-Key</span> or set <span className="font-mono">WRENN_API_KEY</span> for the SDK and CLI.
            </p>
          </div>
        ) : null
      }
    >
      <Field label="Name" hint="What uses it, e.g. “ci” or “agent-prod”.">
        {(id) => <Input id={id} value={name} onChange={(e) => setName(e.target.value)} required autoFocus maxLength={100} />}
      </Field>
    </FormDialog>
  );
}

export function ApiKeysPage() {
  const queryClient = useQueryClient();
  const now = useNow(30_000);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const keys = useQuery({ queryKey: ["api-keys"], queryFn: async () => itemsOf(await api<{ items: ApiKey[] }>("GET", "/api-keys")) });
  return (
    <>
      <PageHeader
        title="API keys"
        description="For the SDK, CLI and your own code. Keys belong to the team, not to you."
        actions={
          <Button variant="primary" icon={<Icon name="plus" />} onClick={() => setCreating(true)}>
            New API key
          </Button>
        }
      />
      <Panel>
        <DataTable
          query={keys}
          errorTitle="Could not list API keys"
          empty={
            <EmptyState title="No API keys" action={<Button variant="primary" onClick={() => setCreating(true)}>New API key</Button>}>
              Create one to use Wrenn from code.
            </EmptyState>
          }
          testId="api-keys-table"
          rowKey={(k) => k.id}
          rowData={(k) => ({ "data-key-name": k.name })}
          columns={[
            { key: "name", header: "Name", className: "truncate", cell: (k) => k.name },
            { key: "key", header: "Key", width: 150, cell: (k) => <Mono className="text-ink-dim">{k.key_prefix}…</Mono> },
            {
              key: "created-by",
              header: "Created by",
              width: 220,
              className: "truncate text-ink-dim",
              cell: (k) => (k.created_by ? (k.created_by.email ?? <Mono>{k.created_by.id}</Mono>) : "—"),
            },
            { key: "created", header: "Created", width: 130, className: "text-ink-dim", title: (k) => formatTime(k.created_at), cell: (k) => formatAge(k.created_at, now) },
            {
              key: "last-used",
              header: "Last used",
              width: 130,
              className: "text-ink-dim",
              title: (k) => formatTime(k.last_used_at),
              cell: (k) => (k.last_used_at ? formatAge(k.last_used_at, now) : "never"),
            },
          ]}
          actions={(k) => [{ label: "Revoke", ariaLabel: `Revoke ${k.name}`, danger: true, onClick: () => setRevoking(k) }]}
        />
      </Panel>
      <CreateKeyDialog open={creating} onClose={() => setCreating(false)} />
      <ConfirmDialog
        open={revoking !== null}
        onClose={() => setRevoking(null)}
        title="Revoke API key?"
        body={
          <>
            Anything using <span className="text-ink">{revoking?.name}</span> (<span className="font-mono">{revoking?.key_prefix}…</span>) stops working at once.
          </>
        }
        confirmLabel="Revoke"
        onConfirm={async () => {
          await api("DELETE", `/api-keys/${revoking!.id}`);
          await queryClient.invalidateQueries({ queryKey: ["api-keys"] });
        }}
      />
    </>
  );
}
