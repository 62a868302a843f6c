import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { api, messageOf } from "../../api/client";
import type { Capsule } from "../../api/types";
import { Button } from "../../components/button";
import { Dialog } from "../../components/dialog";
import { Field, FormError, Input, Select } from "../../components/field";
import { formatMb } from "../../lib/format";
import { useTemplates } from "./queries";

const vcpuChoices = [1, 2, 4, 8];
const memoryChoices = [256, 512, 1024, 2048, 4096, 8192];
const timeoutChoices = [
  { sec: 60, label: "1 minute" },
  { sec: 300, label: "5 minutes" },
  { sec: 900, label: "15 minutes" },
  { sec: 3600, label: "1 hour" },
  { sec: 6 * 3600, label: "6 hours" },
  { sec: 0, label: "Never pause" },
];
type Egress = "allow_all" | "deny_all" | "allow_list";

/** Splits a textarea of CIDRs or domains on commas, spaces and newlines. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function CreateCapsuleDialog({ open, onClose, initialTemplate }: { open: boolean; onClose: () => void; initialTemplate?: string }) {
  const templates = useTemplates();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [template, setTemplate] = useState(initialTemplate ?? "");
  const [vcpus, setVcpus] = useState(1);
  const [memory, setMemory] = useState(512);
  const [timeout, setTimeoutSec] = useState(300);
  const [egress, setEgress] = useState<Egress>("allow_all");
  const [allowList, setAllowList] = useState("");
  const [openAfter, setOpenAfter] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (open) {
      setError(null);
      if (initialTemplate) setTemplate(initialTemplate);
    }
  }, [open, initialTemplate]);
  useEffect(() => {
    const first = templates.data?.[0];
    if (!template && first) setTemplate(first.name);
  }, [templates.data, template]);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const items = splitList(allowList);
      const network =
        egress === "allow_list"
          ? { egress, allow_cidrs: items.filter((s) => /^[0-9.:a-fA-F]+\/\d+$/.test(s)), allow_domains: items.filter((s) => !/^[0-9.:a-fA-F]+\/\d+$/.test(s)) }
          : { egress };
      const capsule = await api<Capsule>("POST", "/capsules", { body: { template, vcpus: vcpuValue, memory_mb: memoryValue, timeout_sec: timeout, network } });
      queryClient.setQueryData<Capsule[]>(["capsules"], (old) => (old ? [capsule, ...old.filter((c) => c.id !== capsule.id)] : old));
      void queryClient.invalidateQueries({ queryKey: ["capsules"] });
      onClose();
      if (openAfter) navigate(`/capsules/${capsule.id}/terminal`);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  // A snapshot restores with the size it was taken at; the agent ignores any other.
  const chosen = templates.data?.find((t) => t.name === template);
  const fixedSize = chosen?.type === "snapshot" && chosen.vcpus && chosen.memory_mb ? { vcpus: chosen.vcpus, memory: chosen.memory_mb } : null;
  const vcpuValue = fixedSize?.vcpus ?? vcpus;
  const memoryValue = fixedSize?.memory ?? memory;
  const builtins = templates.data?.filter((t) => t.type !== "snapshot") ?? [];
  const snapshots = templates.data?.filter((t) => t.type === "snapshot") ?? [];
  return (
    <Dialog
      open={open}
      onClose={() => !busy && onClose()}
      title="New capsule"
      description="A fresh sandbox from a template. It starts in about a second."
      footer={
        <>
          <Button variant="ghost" onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" form="create-capsule" variant="primary" busy={busy} disabled={!template}>
            Create capsule
          </Button>
        </>
      }
    >
      <form id="create-capsule" onSubmit={(e) => void submit(e)} className="grid grid-cols-2 gap-4">
        <Field label="Template" className="col-span-2" hint={templates.error ? `Could not list templates: ${messageOf(templates.error)}` : undefined}>
          {(id) => (
            <Select id={id} value={template} onChange={(e) => setTemplate(e.target.value)} required disabled={templates.isPending}>
              {templates.isPending ? <option>Loading templates…</option> : null}
              {builtins.length ? (
                <optgroup label="Built-in">
                  {builtins.map((t) => (
                    <option key={`b-${t.name}`} value={t.name}>
                      {t.name}
                    </option>
                  ))}
                </optgroup>
              ) : null}
              {snapshots.length ? (
                <optgroup label="Team snapshots">
                  {snapshots.map((t) => (
                    <option key={`s-${t.name}`} value={t.name}>
                      {t.name}
                    </option>
                  ))}
                </optgroup>
              ) : null}
              {template && !templates.data?.some((t) => t.name === template) && !templates.isPending ? <option value={template}>{template}</option> : null}
            </Select>
          )}
        </Field>
        <Field label="vCPUs">
          {(id) => (
            <Select id={id} value={vcpuValue} onChange={(e) => setVcpus(Number(e.target.value))} disabled={fixedSize !== null}>
              {[...new Set([...vcpuChoices, vcpuValue])].sort((a, b) => a - b).map((v) => (
                <option key={v} value={v}>
                  {v} vCPU
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="Memory">
          {(id) => (
            <Select id={id} value={memoryValue} onChange={(e) => setMemory(Number(e.target.value))} disabled={fixedSize !== null}>
              {[...new Set([...memoryChoices, memoryValue])].sort((a, b) => a - b).map((m) => (
                <option key={m} value={m}>
                  {formatMb(m)}
                </option>
              ))}
            </Select>
          )}
        </Field>
        {fixedSize ? <p className="col-span-2 -mt-2 text-[12px] text-ink-faint">A snapshot resumes with the vCPUs and memory it was taken with.</p> : null}
        <Field label="Pause when idle for" className="col-span-2" hint="An idle capsule is paused (not destroyed); resume it any time.">
          {(id) => (
            <Select id={id} value={timeout} onChange={(e) => setTimeoutSec(Number(e.target.value))}>
              {timeoutChoices.map((t) => (
                <option key={t.sec} value={t.sec}>
                  {t.label}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="Outbound network" className="col-span-2">
          {(id) => (
            <Select id={id} value={egress} onChange={(e) => setEgress(e.target.value as Egress)}>
              <option value="allow_all">Allow all outbound traffic</option>
              <option value="allow_list">Allow only listed addresses and domains</option>
              <option value="deny_all">Deny all outbound traffic</option>
            </Select>
          )}
        </Field>
        {egress === "allow_list" ? (
          <Field label="Allowed CIDRs and domains" className="col-span-2" hint="Separated by spaces, commas or new lines, e.g. 10.0.0.0/8 pypi.org">
            {(id) => <Input id={id} value={allowList} onChange={(e) => setAllowList(e.target.value)} className="font-mono" placeholder="1.1.1.1/32 pypi.org" />}
          </Field>
        ) : null}
        <label className="col-span-2 flex items-center gap-2 text-[13px] text-ink-dim">
          <input type="checkbox" checked={openAfter} onChange={(e) => setOpenAfter(e.target.checked)} className="accent-[var(--color-accent)]" />
          Open its terminal when it is ready
        </label>
        <div className="col-span-2">
          <FormError message={error} />
        </div>
      </form>
    </Dialog>
  );
}
