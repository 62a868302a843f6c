import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { api, messageOf } from "../../api/client";
import { clearSession } from "../../api/session";
import { openApiSocket } from "../../api/socket";
import type { Build } from "../../api/types";
import { Button } from "../../components/button";
import { Dialog } from "../../components/dialog";
import { FormError } from "../../components/field";
import { StatusBadge } from "../../components/status-badge";
import { isLive } from "./queries";

/** Keeps the log bounded in the page; the API keeps the last 1 MiB anyway. */
const MAX_LOG_CHARS = 1024 * 1024;

interface LogState {
  text: string;
  step: string | null;
  finished: { status: string; error?: string } | null;
  error: string | null;
}

/** Follows `WS /builds/{id}/logs`: stored logs first, then live steps and output until finished. */
function useBuildLog(buildId: string | null): LogState {
  const [state, setState] = useState<LogState>({ text: "", step: null, finished: null, error: null });
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!buildId) return;
    setState({ text: "", step: null, finished: null, error: null });
    const ws = openApiSocket(`/builds/${encodeURIComponent(buildId)}/logs`);
    let ended = false;
    ws.addEventListener("message", (m) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(String(m.data)) as Record<string, unknown>;
      } catch {
        return;
      }
      if (msg.type === "log") setState((s) => ({ ...s, text: (s.text + String(msg.data ?? "")).slice(-MAX_LOG_CHARS) }));
      else if (msg.type === "step") setState((s) => ({ ...s, step: `${String(msg.instruction ?? "")} ${String(msg.args ?? "")}`.trim() }));
      else if (msg.type === "finished") {
        ended = true;
        setState((s) => ({ ...s, finished: { status: String(msg.status), ...(msg.error ? { error: String(msg.error) } : {}) } }));
        void queryClient.invalidateQueries({ queryKey: ["builds"] });
        void queryClient.invalidateQueries({ queryKey: ["snapshots"] });
      } else if (msg.type === "error") setState((s) => ({ ...s, error: String(msg.message ?? "the log stream failed") }));
    });
    ws.addEventListener("close", (e) => {
      if (e.code === 4401) clearSession("unauthorized");
      if (!ended && e.code !== 1000) setState((s) => ({ ...s, error: s.error ?? `The log stream closed (${e.code}${e.reason ? `: ${e.reason}` : ""}).` }));
    });
    return () => {
      ended = true;
      ws.close(1000);
    };
  }, [buildId, queryClient]);
  return state;
}

export function BuildLogsDialog({ build, onClose }: { build: Build | null; onClose: () => void }) {
  const log = useBuildLog(build?.id ?? null);
  const pre = useRef<HTMLPreElement>(null);
  const [follow, setFollow] = useState(true);
  const [cancelError, setCancelError] = useState<string | null>(null);
  const queryClient = useQueryClient();
  useEffect(() => {
    if (follow && pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [log.text, follow]);
  const status = log.finished?.status ?? build?.status ?? "pending";
  const live = !log.finished && build !== null && isLive(build);
  return (
    <Dialog
      open={build !== null}
      onClose={onClose}
      wide
      title={`Build ${build?.name ?? ""}`}
      description={
        <span className="flex flex-wrap items-center gap-2">
          <StatusBadge status={status} />
          <span className="font-mono text-[12px]">{build?.id}</span>
          {log.step && live ? <span className="truncate font-mono text-[12px] text-ink-faint">{log.step}</span> : null}
        </span>
      }
      footer={
        <>
          {live ? (
            <Button
              variant="danger"
              onClick={() =>
                void api("POST", `/builds/${build!.id}/cancel`)
                  .then(() => queryClient.invalidateQueries({ queryKey: ["builds"] }))
                  .catch((err: unknown) => setCancelError(messageOf(err)))
              }
            >
              Cancel build
            </Button>
          ) : null}
          <Button variant="primary" onClick={onClose}>
            Close
          </Button>
        </>
      }
    >
      <div className="flex flex-col gap-2">
        <pre
          ref={pre}
          onScroll={(e) => {
            const el = e.currentTarget;
            setFollow(el.scrollHeight - el.scrollTop - el.clientHeight < 24);
          }}
          className="h-[50vh] overflow-auto rounded-md border border-line bg-canvas p-3 font-mono text-[12px] leading-[1.5] whitespace-pre-wrap break-all text-ink-dim"
          data-testid="build-log"
        >
          {log.text || (live ? "Waiting for output…" : "")}
        </pre>
        <FormError message={(status === "failed" ? (log.finished?.error ?? build?.error) : null) ?? log.error ?? cancelError} />
      </div>
    </Dialog>
  );
}
