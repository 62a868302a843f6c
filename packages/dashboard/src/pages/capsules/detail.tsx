import { lazy, Suspense, useEffect, useState } from "react";
import { Link, Navigate, useNavigate, useParams } from "react-router";
import { ApiError, messageOf } from "../../api/client";
import type { Capsule } from "../../api/types";
import { Button } from "../../components/button";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { CopyButton } from "../../components/copy-button";
import { Mono } from "../../components/page";
import { EmptyState, ErrorState, LoadingRows } from "../../components/states";
import { StatusBadge } from "../../components/status-badge";
import { TabLinks } from "../../components/tabs";
import { useToast } from "../../components/toast";
import { useNow } from "../../hooks/use-now";
import { formatAge, formatMb, formatTime, formatTimeout } from "../../lib/format";
import { capsuleActions } from "../../lib/status";
import { FilesTab } from "./files-tab";
import { ProcessesTab } from "./processes-tab";
import { useCapsule, useCapsuleAction, type CapsuleAction } from "./queries";
import { SnapshotDialog } from "./snapshot-dialog";

// xterm and uPlot are big; they load only when their tab is opened.
const TerminalTab = lazy(() => import("../../terminal/terminal-tab"));
const MetricsTab = lazy(() => import("../../charts/metrics-tab"));

const tabs = ["terminal", "files", "metrics", "processes"] as const;

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-[11px] uppercase tracking-wide text-ink-faint">{label}</dt>
      <dd className="mt-0.5 truncate text-[13px] text-ink">{children}</dd>
    </div>
  );
}

function Header({ capsule }: { capsule: Capsule }) {
  const now = useNow(5000);
  const action = useCapsuleAction();
  const toast = useToast();
  const navigate = useNavigate();
  const [snapshotting, setSnapshotting] = useState(false);
  const [destroying, setDestroying] = useState(false);
  const can = capsuleActions(capsule.status);
  const run = (a: CapsuleAction): void => action.mutate({ id: capsule.id, action: a }, { onError: (err) => toast.error(`Could not ${a}: ${messageOf(err)}`) });
  const pending = action.isPending ? action.variables?.action : undefined;
  return (
    <header className="rounded-lg border border-line bg-panel">
      <div className="flex flex-wrap items-center gap-3 border-b border-line px-4 py-3">
        <StatusBadge status={capsule.status} />
        <h1 className="font-mono text-[15px] font-medium text-ink">{capsule.id}</h1>
        <CopyButton text={capsule.id} label="Copy id" className="min-w-[4.5rem]" />
        <div className="ml-auto flex gap-2">
          {can.resume ? (
            <Button size="sm" className="w-[4.5rem]" busy={pending === "resume"} onClick={() => run("resume")}>
              Resume
            </Button>
          ) : (
            <Button size="sm" className="w-[4.5rem]" busy={pending === "pause"} disabled={!can.pause} onClick={() => run("pause")}>
              Pause
            </Button>
          )}
          <Button size="sm" disabled={!can.snapshot} onClick={() => setSnapshotting(true)}>
            Snapshot
          </Button>
          <Button size="sm" variant="danger" onClick={() => setDestroying(true)}>
            Destroy
          </Button>
        </div>
      </div>
      <dl className="grid grid-cols-2 gap-x-6 gap-y-3 px-4 py-3 sm:grid-cols-4 lg:grid-cols-7">
        <Fact label="Template">
          <Mono>{capsule.template}</Mono>
        </Fact>
        <Fact label="Specs">
          <Mono>
            {capsule.vcpus} vCPU · {formatMb(capsule.memory_mb)}
          </Mono>
        </Fact>
        <Fact label="Idle timeout">
          <Mono>{formatTimeout(capsule.timeout_sec)}</Mono>
        </Fact>
        <Fact label="Host">
          <Mono>{capsule.host_id ?? "—"}</Mono>
        </Fact>
        <Fact label="Created">
          <span title={formatTime(capsule.created_at)}>{formatAge(capsule.created_at, now)}</span>
        </Fact>
        <Fact label="Started">
          <span title={formatTime(capsule.started_at)}>{formatAge(capsule.started_at, now)}</span>
        </Fact>
        <Fact label="Last activity">
          <span title={formatTime(capsule.last_active_at)}>{formatAge(capsule.last_active_at, now)}</span>
        </Fact>
      </dl>
      {capsule.error ? <p className="border-t border-line px-4 py-2 font-mono text-[12px] text-rose-300">{capsule.error}</p> : null}
      <SnapshotDialog capsuleId={snapshotting ? capsule.id : null} onClose={() => setSnapshotting(false)} />
      <ConfirmDialog
        open={destroying}
        onClose={() => setDestroying(false)}
        title="Destroy capsule?"
        body={
          <>
            <span className="font-mono text-ink">{capsule.id}</span> and everything in it will be gone. This cannot be undone.
          </>
        }
        confirmLabel="Destroy"
        onConfirm={async () => {
          await action.mutateAsync({ id: capsule.id, action: "destroy" });
          navigate("/capsules");
        }}
      />
    </header>
  );
}

function NotRunning({ capsule }: { capsule: Capsule }) {
  const action = useCapsuleAction();
  const toast = useToast();
  return (
    <EmptyState
      title={`The capsule is ${capsule.status}`}
      action={
        capsule.status === "paused" ? (
          <Button variant="primary" busy={action.isPending} onClick={() => action.mutate({ id: capsule.id, action: "resume" }, { onError: (err) => toast.error(`Could not resume: ${messageOf(err)}`) })}>
            Resume capsule
          </Button>
        ) : undefined
      }
    >
      {capsule.status === "paused" ? "Resume it to use the terminal, files and processes." : "Only a running capsule has a terminal, files and processes."}
    </EmptyState>
  );
}

export function CapsuleDetailPage() {
  const { id = "", tab = "terminal" } = useParams();
  const capsule = useCapsule(id);
  // The terminal stays mounted (hidden) once opened, so switching tabs keeps its sessions and scrollback.
  const [terminalOpened, setTerminalOpened] = useState(tab === "terminal");
  useEffect(() => {
    if (tab === "terminal") setTerminalOpened(true);
  }, [tab]);
  if (!(tabs as readonly string[]).includes(tab)) return <Navigate to={`/capsules/${id}/terminal`} replace />;
  const breadcrumb = (
    <nav aria-label="Breadcrumb" className="mb-3 text-[13px] text-ink-faint">
      <Link to="/capsules" className="hover:text-ink">
        Capsules
      </Link>
      <span className="px-1.5">/</span>
      <span className="font-mono text-ink-dim">{id}</span>
    </nav>
  );
  if (capsule.data === undefined) {
    return (
      <>
        {breadcrumb}
        {capsule.error ? (
          capsule.error instanceof ApiError && capsule.error.status === 404 ? (
            <EmptyState title="Capsule not found" action={<Link to="/capsules" className="text-accent hover:underline">Back to capsules</Link>}>
              {messageOf(capsule.error)}
            </EmptyState>
          ) : (
            <ErrorState error={capsule.error} onRetry={() => void capsule.refetch()} />
          )
        ) : (
          <LoadingRows rows={3} />
        )}
      </>
    );
  }
  const c = capsule.data;
  const running = c.status === "running";
  return (
    <>
      {breadcrumb}
      <Header capsule={c} />
      <div className="mt-5">
        <TabLinks
          label="Capsule views"
          tabs={[
            { to: `/capsules/${id}/terminal`, label: "Terminal" },
            { to: `/capsules/${id}/files`, label: "Files" },
            { to: `/capsules/${id}/metrics`, label: "Metrics" },
            { to: `/capsules/${id}/processes`, label: "Processes" },
          ]}
        />
        <div className="pt-4">
          {running && terminalOpened ? (
            <div hidden={tab !== "terminal"}>
              <Suspense fallback={<LoadingRows rows={6} label="Loading terminal" />}>
                <TerminalTab capsuleId={id} visible={tab === "terminal"} />
              </Suspense>
            </div>
          ) : null}
          {tab === "metrics" ? (
            <Suspense fallback={<LoadingRows rows={6} label="Loading charts" />}>
              <MetricsTab capsuleId={id} />
            </Suspense>
          ) : !running ? (
            <NotRunning capsule={c} />
          ) : null}
          {running && tab === "files" ? <FilesTab capsuleId={id} /> : null}
          {running && tab === "processes" ? <ProcessesTab capsuleId={id} /> : null}
        </div>
      </div>
    </>
  );
}
