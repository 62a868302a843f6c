import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, itemsOf, messageOf } from "../api/client";
import type { ApiKey, CreatedApiKey } from "../api/types";
import { Button } from "../components/button";
import { ConfirmDialog } from "../components/confirm-dialog";
import { CopyButton } from "../components/copy-button";
import { cx } from "../components/cx";
import { Dialog } from "../components/dialog";
import { Field, FormError, Input } from "../components/field";
import { Icon } from "../components/icons";
import { Mono, PageHeader, Panel, table } from "../components/page";
import { EmptyState, ErrorState, LoadingRows } from "../components/states";
import { useNow } from "../hooks/use-now";
import { formatAge, formatTime } from "../lib/format";

function CreateKeyDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const close = (): void => {
    if (busy) return;
    setName("");
    setError(null);
    setCreated(null);
    onClose();
  };
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const key = await api<CreatedApiKey>("POST", "/api-keys", { body: { name: name.trim() } });
      setCreated(key);
      void queryClient.invalidateQueries({ queryKey: ["api-keys"] });
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open={open}
      onClose={close}
      title={created ? "Copy your new key" : "New API key"}
      description={created ? "This is the only time the key is shown. Store it somewhere safe." : "Keys act for this team with full access to its capsules."}
      footer={
        created ? (
          <Button variant="primary" onClick={close}>
            Done
          </Button>
        ) : (
          <>
            <Button variant="ghost" onClick={close} disabled={busy}>
              Cancel
            </Button>
            <Button type="submit" form="create-key" variant="primary" busy={busy}>
              Create key
            </Button>
          </>
        )
      }
    >
      {created ? (
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
      ) : (
        <form id="create-key" onSubmit={(e) => void submit(e)} className="flex flex-col gap-3">
          <Field label="Name" hint="What uses it, e.g. “ci” or “agent-prod”.">
            {(id) => <Input id={id} value={name} onChange={(e) => setName(e.target.value)} required autoFocus maxLength={100} />}
          </Field>
          <FormError message={error} />
        </form>
      )}
    </Dialog>
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
        {keys.data === undefined ? (
          keys.error ? (
            <ErrorState error={keys.error} onRetry={() => void keys.refetch()} title="Could not list API keys" />
          ) : (
            <LoadingRows rows={3} />
          )
        ) : keys.data.length === 0 ? (
          <EmptyState title="No API keys" action={<Button variant="primary" onClick={() => setCreating(true)}>New API key</Button>}>
            Create one to use Wrenn from code.
          </EmptyState>
        ) : (
          <div className={table.wrap}>
            <table className={cx(table.table, "table-fixed")} data-testid="api-keys-table">
              <colgroup>
                <col />
                <col style={{ width: 150 }} />
                <col style={{ width: 220 }} />
                <col style={{ width: 130 }} />
                <col style={{ width: 130 }} />
                <col style={{ width: 100 }} />
              </colgroup>
              <thead>
                <tr>
                  <th className={table.th}>Name</th>
                  <th className={table.th}>Key</th>
                  <th className={table.th}>Created by</th>
                  <th className={table.th}>Created</th>
                  <th className={table.th}>Last used</th>
                  <th className={table.th}>
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.data.map((k) => (
                  <tr key={k.id} className={table.tr} data-key-name={k.name}>
                    <td className={cx(table.td, "truncate")}>{k.name}</td>
                    <td className={table.td}>
                      <Mono className="text-ink-dim">{k.key_prefix}…</Mono>
                    </td>
                    <td className={cx(table.td, "truncate text-ink-dim")}>{k.created_by ? (k.created_by.email ?? <Mono>{k.created_by.id}</Mono>) : "—"}</td>
                    <td className={cx(table.td, "text-ink-dim")} title={formatTime(k.created_at)}>
                      {formatAge(k.created_at, now)}
                    </td>
                    <td className={cx(table.td, "text-ink-dim")} title={formatTime(k.last_used_at)}>
                      {k.last_used_at ? formatAge(k.last_used_at, now) : "never"}
                    </td>
                    <td className={table.td}>
                      <div className="flex justify-end">
                        <Button size="sm" variant="danger" onClick={() => setRevoking(k)} aria-label={`Revoke ${k.name}`}>
                          Revoke
                        </Button>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
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
