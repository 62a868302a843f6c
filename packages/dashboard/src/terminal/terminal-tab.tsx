import "@xterm/xterm/css/xterm.css";
import { useCallback, useRef, useState } from "react";
import { Button } from "../components/button";
import { cx } from "../components/cx";
import { Icon } from "../components/icons";
import { useToast } from "../components/toast";
import { forgetSession, loadSessions, nextTitle, saveSession } from "./saved-sessions";
import { TerminalView, type TerminalHandle } from "./terminal-view";

interface Tab {
  /** Stable React key; the tag arrives later for new shells. */
  key: string;
  tag?: string;
  title: string;
  ended?: boolean;
}

let keySeq = 0;
const newKey = (): string => `t${++keySeq}`;

/** Several shells per capsule, as tabs; they survive a reload (reattached by tag). */
export default function TerminalTab({ capsuleId, visible = true }: { capsuleId: string; visible?: boolean }) {
  const toast = useToast();
  const [tabs, setTabs] = useState<Tab[]>(() => {
    const saved = loadSessions(capsuleId).map((s) => ({ key: newKey(), tag: s.tag, title: s.title }));
    return saved.length ? saved : [{ key: newKey(), title: "Shell 1" }];
  });
  const [active, setActive] = useState(() => tabs[0]?.key ?? "");
  const handles = useRef(new Map<string, TerminalHandle>());

  const add = (): void => {
    const tab = { key: newKey(), title: nextTitle(tabs) };
    setTabs((t) => [...t, tab]);
    setActive(tab.key);
  };
  const close = (key: string): void => {
    const tab = tabs.find((t) => t.key === key);
    if (tab?.tag) forgetSession(capsuleId, tab.tag);
    handles.current.get(key)?.kill();
    const rest = tabs.filter((t) => t.key !== key);
    setTabs(rest);
    if (active === key) setActive(rest[rest.length - 1]?.key ?? "");
  };
  const onStarted = useCallback(
    (key: string, title: string, tag: string) => {
      saveSession(capsuleId, { tag, title });
      setTabs((ts) => ts.map((t) => (t.key === key ? { ...t, tag } : t)));
    },
    [capsuleId],
  );
  const onEnded = useCallback(
    (key: string, tag: string | undefined) => {
      if (tag) forgetSession(capsuleId, tag);
      setTabs((ts) => ts.map((t) => (t.key === key ? { ...t, ended: true } : t)));
    },
    [capsuleId],
  );
  const current = (): TerminalHandle | undefined => handles.current.get(active);

  return (
    <div className="flex flex-col rounded-lg border border-line bg-panel">
      <div className="flex items-center gap-1 border-b border-line px-2 py-1.5">
        <div role="tablist" aria-label="Terminal sessions" className="flex min-w-0 flex-1 items-center gap-1 overflow-x-auto">
          {tabs.map((t) => (
            <div key={t.key} className={cx("flex items-center rounded-md", t.key === active ? "bg-raised" : "hover:bg-raised/50")}>
              <button
                type="button"
                role="tab"
                aria-selected={t.key === active}
                onClick={() => setActive(t.key)}
                className={cx("flex h-7 items-center gap-2 pl-2.5 pr-1 text-[12px]", t.key === active ? "text-ink" : "text-ink-faint")}
              >
                <span className={cx("h-1.5 w-1.5 rounded-full", t.ended ? "bg-zinc-500" : t.tag ? "bg-emerald-400" : "bg-sky-400")} aria-hidden="true" />
                {t.title}
                {t.tag ? <span className="font-mono text-[11px] text-ink-faint">{t.tag.slice(0, 8)}</span> : null}
                {t.ended ? <span className="text-[11px] text-ink-faint">(ended)</span> : null}
              </button>
              <button type="button" onClick={() => close(t.key)} aria-label={`Close ${t.title} (ends the shell)`} className="mr-1 rounded p-1 text-ink-faint hover:text-ink">
                <Icon name="x" className="h-3 w-3" />
              </button>
            </div>
          ))}
          <Button size="sm" variant="ghost" icon={<Icon name="plus" className="h-3.5 w-3.5" />} onClick={add}>
            New shell
          </Button>
        </div>
        <div className="flex shrink-0 gap-1">
          <Button
            size="sm"
            variant="ghost"
            disabled={tabs.length === 0}
            onClick={() => void current()?.copySelection().then((ok) => (ok ? toast.ok("Copied the selection.") : toast.error("Select text in the terminal first.")))}
            title="Copy selection (Ctrl+Shift+C, or Ctrl+C with a selection)"
          >
            Copy
          </Button>
          <Button
            size="sm"
            variant="ghost"
            disabled={tabs.length === 0}
            onClick={() => void current()?.paste().catch(() => toast.error("The browser did not allow reading the clipboard; use Ctrl+Shift+V."))}
            title="Paste (Ctrl+Shift+V)"
          >
            Paste
          </Button>
        </div>
      </div>
      <div className="relative h-[calc(100vh-22rem)] min-h-[22rem] bg-canvas p-2">
        {tabs.length === 0 ? (
          <div className="flex h-full flex-col items-center justify-center gap-3 text-[13px] text-ink-dim">
            No shell open.
            <Button variant="primary" onClick={add}>
              Open a shell
            </Button>
          </div>
        ) : null}
        {tabs.map((t) => (
          <div key={t.key} role="tabpanel" aria-label={t.title} className={cx("absolute inset-2", t.key !== active && "invisible")}>
            <TerminalView
              ref={(h) => {
                if (h) handles.current.set(t.key, h);
                else handles.current.delete(t.key);
              }}
              capsuleId={capsuleId}
              tag={t.tag}
              visible={visible && t.key === active}
              onStarted={(tag) => onStarted(t.key, t.title, tag)}
              onEnded={() => onEnded(t.key, t.tag)}
            />
          </div>
        ))}
      </div>
    </div>
  );
}
