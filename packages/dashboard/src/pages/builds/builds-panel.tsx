import { useState } from "react";
import type { Build, Template } from "../../api/types";
import { Button } from "../../components/button";
import { DataTable } from "../../components/data-table";
import { Icon } from "../../components/icons";
import { Mono, Panel } from "../../components/page";
import { EmptyState } from "../../components/states";
import { StatusBadge } from "../../components/status-badge";
import { useNow } from "../../hooks/use-now";
import { formatAge, formatDuration, formatTime } from "../../lib/format";
import { BuildLogsDialog } from "./build-logs-dialog";
import { NewBuildDialog } from "./new-build-dialog";
import { useBuilds } from "./queries";

function stepText(b: Build): string {
  const total = b.recipe.length + (b.healthcheck ? 1 : 0);
  if (b.status === "success") return `${total}/${total}`;
  return `${Math.min(b.current_step, total)}/${total}`;
}

/** Recipe builds: shown only when the control plane has the builds API. */
export function BuildsPanel({ templates }: { templates: Template[] }) {
  const builds = useBuilds();
  const now = useNow(5000);
  const [creating, setCreating] = useState(false);
  const [viewing, setViewing] = useState<Build | null>(null);
  if (builds.data === null) return null;
  return (
    <Panel
      title="Template builds"
      className="mt-5"
      actions={
        <Button size="sm" variant="primary" icon={<Icon name="plus" className="h-3.5 w-3.5" />} onClick={() => setCreating(true)}>
          New build
        </Button>
      }
    >
      <DataTable
        query={builds}
        errorTitle="Could not list builds"
        loadingRows={2}
        empty={
          <EmptyState title="No builds yet" action={<Button onClick={() => setCreating(true)}>New build</Button>}>
            A build runs a recipe (RUN, ENV, WORKDIR, USER, COPY, START) on a base template and saves the result as a template.
          </EmptyState>
        }
        rowKey={(b) => b.id}
        rowData={(b) => ({ "data-build": b.name })}
        columns={[
          { key: "status", header: "Status", width: 130, title: (b) => b.error ?? undefined, cell: (b) => <StatusBadge status={b.status} /> },
          {
            key: "template",
            header: "Template",
            className: "truncate",
            cell: (b) => (
              <>
                <Mono className="text-ink">{b.name}</Mono> <Mono className="text-ink-faint">{b.id}</Mono>
              </>
            ),
          },
          { key: "base", header: "Base", width: 140, className: "truncate", cell: (b) => <Mono className="text-ink-dim">{b.base_template}</Mono> },
          { key: "step", header: "Step", width: 80, className: "font-mono text-[12px] text-ink-dim", cell: stepText },
          {
            key: "started",
            header: "Started",
            width: 120,
            className: "text-ink-dim",
            title: (b) => formatTime(b.started_at ?? b.created_at),
            cell: (b) => formatAge(b.started_at ?? b.created_at, now),
          },
          {
            key: "took",
            header: "Took",
            width: 100,
            className: "font-mono text-[12px] text-ink-dim",
            cell: (b) => (b.started_at ? formatDuration((b.finished_at ? Date.parse(b.finished_at) : now) - Date.parse(b.started_at)) : "—"),
          },
        ]}
        actionsWidth={90}
        actions={(b) => [{ label: "Logs", ariaLabel: `Logs of build ${b.name}`, onClick: () => setViewing(b) }]}
      />
      <NewBuildDialog open={creating} onClose={() => setCreating(false)} templates={templates} onStarted={setViewing} />
      <BuildLogsDialog build={viewing ? (builds.data?.find((b) => b.id === viewing.id) ?? viewing) : null} onClose={() => setViewing(null)} />
    </Panel>
  );
}
