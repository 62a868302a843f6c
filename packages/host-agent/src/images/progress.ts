export type BuildPhase = "debootstrap" | "packages" | "configure" | "finalize";

/** One step of an image or /opt/wrenn layer build, for progress displays. */
export interface BuildProgress {
  /** What is being built: a template name, or "opt-layer". */
  target: string;
  phase: BuildPhase;
  message: string;
  /** Overall progress of this target's build, 0–100, when it can be estimated. */
  pct?: number;
}

export type ProgressListener = (event: BuildProgress) => void;

export interface ProgressRenderer {
  (event: BuildProgress): void;
  /** Ends the status line (TTY); call once the build has finished or failed. */
  done(): void;
}

interface RenderStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Renders build progress for people: on a TTY a single status line rewritten in place
 * with `\r`; otherwise (logs, CI) a plain line whenever the phase changes or progress
 * passes another 10 %, so a log file stays short.
 *
 * @example
 *   const render = renderProgress();
 *   try { await store.ensureImage("python", { onProgress: render }); } finally { render.done(); }
 */
export function renderProgress(stream: RenderStream = process.stderr): ProgressRenderer {
  let lineOpen = false;
  let lastKey = "";
  let lastBucket = -1;
  const render = ((event: BuildProgress) => {
    const pct = event.pct === undefined ? "" : `${String(Math.floor(event.pct)).padStart(3)}% `;
    const text = `[${event.target}] ${event.phase}: ${pct}${event.message}`;
    if (stream.isTTY) {
      const width = Math.max(20, (stream.columns ?? 80) - 1);
      stream.write(`\r${text.length > width ? `${text.slice(0, width - 1)}…` : text}\x1b[K`);
      lineOpen = true;
      return;
    }
    const key = `${event.target}/${event.phase}`;
    const bucket = event.pct === undefined ? lastBucket : Math.floor(event.pct / 10);
    if (key === lastKey && bucket === lastBucket) return;
    lastKey = key;
    lastBucket = bucket;
    stream.write(`${text}\n`);
  }) as ProgressRenderer;
  render.done = () => {
    if (lineOpen) stream.write("\n");
    lineOpen = false;
  };
  return render;
}
