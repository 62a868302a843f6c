import { useState } from "react";
import type { Build, Template } from "../../api/types";
import { Button } from "../../components/button";
import { cx } from "../../components/cx";
import { Icon } from "../../components/icons";
import { Mono, Panel, table } from "../../components/page";
import { EmptyState, ErrorState, LoadingRows } from "../../components/states";
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
      {builds.data === undefined ? (
        builds.error ? (
          <ErrorState error={builds.error} onRetry={() => void builds.refetch()} title="Could not list builds" />
        ) : (
          <LoadingRows rows={2} />
        )
      ) : builds.data.length === 0 ? (
        <EmptyState title="No builds yet" action={<Button onClick={() => setCreating(true)}>New build</Button>}>
          A build runs a recipe (RUN, ENV, WORKDIR, USER, COPY, START) on a base template and saves the result as a template.
        </EmptyState>
      ) : (
        <div className={table.wrap}>
          <table className={cx(table.table, "table-fixed")}>
            <colgroup>
              <col style={{ width: 130 }} />
              <col />
              <col style={{ width: 140 }} />
              <col style={{ width: 80 }} />
              <col style={{ width: 120 }} />
              <col style={{ width: 100 }} />
              <col style={{ width: 90 }} />
            </colgroup>
            <thead>
              <tr>
                <th className={table.th}>Status</th>
                <th className={table.th}>Template</th>
                <th className={table.th}>Base</th>
                <th className={table.th}>Step</th>
                <th className={table.th}>Started</th>
                <th className={table.th}>Took</th>
                <th className={table.th}>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {builds.data.map((b) => (
                <tr key={b.id} className={table.tr} data-build={b.name}>
                  <td className={table.td} title={b.error ?? undefined}>
                    <StatusBadge status={b.status} />
                  </td>
                  <td className={cx(table.td, "truncate")}>
                    <Mono className="text-ink">{b.name}</Mono> <Mono className="text-ink-faint">{b.id}</Mono>
                  </td>
                  <td className={cx(table.td, "truncate")}>
                    <Mono className="text-ink-dim">{b.base_template}</Mono>
                  </td>
                  <td className={cx(table.td, "font-mono text-[12px] text-ink-dim")}>{stepText(b)}</td>
                  <td className={cx(table.td, "text-ink-dim")} title={formatTime(b.started_at ?? b.created_at)}>
                    {formatAge(b.started_at ?? b.created_at, now)}
                  </td>
                  <td className={cx(table.td, "font-mono text-[12px] text-ink-dim")}>
                    {b.started_at ? formatDuration((b.finished_at ? Date.parse(b.finished_at) : now) - Date.parse(b.started_at)) : "—"}
                  </td>
                  <td className={table.td}>
                    <div className="flex justify-end">
                      <Button size="sm" onClick={() => setViewing(b)} aria-label={`Logs of build ${b.name}`}>
                        Logs
                      </Button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <NewBuildDialog open={creating} onClose={() => setCreating(false)} templates={templates} onStarted={setViewing} />
      <BuildLogsDialog build={viewing ? (builds.data?.find((b) => b.id === viewing.id) ?? viewing) : null} onClose={() => setViewing(null)} />
    </Panel>
  );
}
