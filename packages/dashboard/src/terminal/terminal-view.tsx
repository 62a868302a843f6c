import { FitAddon } from "@xterm/addon-fit";
import { Terminal, type ITheme } from "@xterm/xterm";
import { forwardRef, useEffect, useImperativeHandle, useRef } from "react";
import { PtyConnection } from "./pty-connection";

const theme: ITheme = {
  background: "#0b0d10",
  foreground: "#e6e9ee",
  cursor: "#5eead4",
  cursorAccent: "#0b0d10",
  selectionBackground: "#5eead455",
  black: "#1b2027",
  red: "#f87171",
  green: "#86efac",
  yellow: "#fcd34d",
  blue: "#93c5fd",
  magenta: "#d8b4fe",
  cyan: "#5eead4",
  white: "#d4d8de",
  brightBlack: "#6b7483",
  brightRed: "#fca5a5",
  brightGreen: "#bbf7d0",
  brightYellow: "#fde68a",
  brightBlue: "#bfdbfe",
  brightMagenta: "#e9d5ff",
  brightCyan: "#99f6e4",
  brightWhite: "#ffffff",
};

export interface TerminalHandle {
  copySelection: () => Promise<boolean>;
  paste: () => Promise<void>;
  kill: () => void;
  focus: () => void;
}

const dim = (s: string): string => `\r\n\x1b[2m${s}\x1b[0m\r\n`;

async function writeClipboard(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const ta = document.createElement("textarea");
    ta.value = text;
    document.body.append(ta);
    ta.select();
    document.execCommand("copy");
    ta.remove();
  }
}

/**
 * One xterm bound to one PTY session. Mounted with `tag` it reattaches; without, it starts
 * a shell and reports the new tag. Unmounting detaches: the shell keeps running.
 */
export const TerminalView = forwardRef<
  TerminalHandle,
  { capsuleId: string; tag?: string; visible: boolean; onStarted: (tag: string) => void; onEnded: (reason: string) => void }
>(function TerminalView({ capsuleId, tag, visible, onStarted, onEnded }, ref) {
  const box = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const fit = useRef<FitAddon | null>(null);
  const conn = useRef<PtyConnection | null>(null);
  const callbacks = useRef({ onStarted, onEnded });
  callbacks.current = { onStarted, onEnded };
  const initialTag = useRef(tag);

  useImperativeHandle(ref, () => ({
    copySelection: async () => {
      const text = term.current?.getSelection() ?? "";
      if (!text) return false;
      await writeClipboard(text);
      return true;
    },
    paste: async () => {
      const text = await navigator.clipboard.readText();
      if (text) term.current?.paste(text);
      term.current?.focus();
    },
    kill: () => conn.current?.kill(),
    focus: () => term.current?.focus(),
  }));

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const t = new Terminal({
      theme,
      fontFamily: 'ui-monospace, "JetBrains Mono", "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace',
      fontSize: 13,
      lineHeight: 1.15,
      cursorBlink: true,
      scrollback: 5000,
      allowProposedApi: false,
    });
    const f = new FitAddon();
    t.loadAddon(f);
    t.open(el);
    try {
      f.fit();
    } catch {}
    term.current = t;
    fit.current = f;
    const reattach = initialTag.current;
    if (reattach) t.write(`\x1b[2mReattaching to session ${reattach}…\x1b[0m\r\n`);
    const c = new PtyConnection(capsuleId, { cols: t.cols, rows: t.rows, ...(reattach ? { tag: reattach } : {}) }, (e) => {
      switch (e.type) {
        case "started":
          if (!reattach) callbacks.current.onStarted(e.tag);
          break;
        case "output":
          t.write(e.bytes);
          break;
        case "exit":
          t.write(dim(`[process exited with code ${e.exitCode}]`));
          callbacks.current.onEnded("exited");
          break;
        case "error":
          t.write(`\r\n\x1b[31m${e.message}\x1b[0m\r\n`);
          callbacks.current.onEnded(e.code);
          break;
        case "closed":
          t.write(dim(`[disconnected${e.reason ? `: ${e.reason}` : ""} — the shell keeps running; reload to reattach]`));
          break;
      }
    });
    conn.current = c;
    const subs = [t.onData((d) => c.input(d)), t.onResize(({ cols, rows }) => c.resize(cols, rows))];
    // Ctrl+C copies when text is selected (otherwise it interrupts); Ctrl+Shift+C/V copy and paste.
    t.attachCustomKeyEventHandler((ev) => {
      if (ev.type !== "keydown") return true;
      const key = ev.key.toLowerCase();
      if ((ev.ctrlKey || ev.metaKey) && key === "c" && (ev.shiftKey || t.hasSelection())) {
        void writeClipboard(t.getSelection());
        t.clearSelection();
        ev.preventDefault();
        return false;
      }
      if ((ev.ctrlKey || ev.metaKey) && ev.shiftKey && key === "v") {
        ev.preventDefault();
        void navigator.clipboard.readText().then((text) => text && t.paste(text));
        return false;
      }
      return true;
    });
    const ro = new ResizeObserver(() => {
      if (el.offsetWidth > 0 && el.offsetHeight > 0) {
        try {
          f.fit();
        } catch {}
      }
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      for (const s of subs) s.dispose();
      c.detach();
      t.dispose();
      term.current = null;
      conn.current = null;
    };
  }, [capsuleId]);

  useEffect(() => {
    if (!visible) return;
    try {
      fit.current?.fit();
    } catch {}
    term.current?.focus();
  }, [visible]);

  return <div ref={box} className="h-full w-full" data-testid="terminal" />;
});
