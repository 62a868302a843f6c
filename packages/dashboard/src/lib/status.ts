/** How a capsule or host status looks: a colour for the eye and a word that carries the meaning alone. */

export type Tone = "ok" | "warn" | "info" | "muted" | "bad";

export interface StatusLook {
  label: string;
  tone: Tone;
  /** The state is changing (a pulse on the dot, never the only cue). */
  busy: boolean;
}

const looks: Record<string, StatusLook> = {
  running: { label: "Running", tone: "ok", busy: false },
  online: { label: "Online", tone: "ok", busy: false },
  active: { label: "Active", tone: "ok", busy: false },
  succeeded: { label: "Succeeded", tone: "ok", busy: false },
  success: { label: "Succeeded", tone: "ok", busy: false },
  paused: { label: "Paused", tone: "warn", busy: false },
  draining: { label: "Draining", tone: "warn", busy: false },
  pending: { label: "Pending", tone: "info", busy: true },
  building: { label: "Building", tone: "info", busy: true },
  queued: { label: "Queued", tone: "info", busy: true },
  stopped: { label: "Stopped", tone: "muted", busy: false },
  cancelled: { label: "Cancelled", tone: "muted", busy: false },
  disabled: { label: "Disabled", tone: "muted", busy: false },
  error: { label: "Error", tone: "bad", busy: false },
  failed: { label: "Failed", tone: "bad", busy: false },
  missing: { label: "Missing", tone: "bad", busy: false },
  unreachable: { label: "Unreachable", tone: "bad", busy: false },
};

export function statusLook(status: string): StatusLook {
  const known = looks[status];
  if (known) return known;
  const label = status ? status.charAt(0).toUpperCase() + status.slice(1).replace(/_/g, " ") : "Unknown";
  return { label, tone: "muted", busy: false };
}

export const toneClasses: Record<Tone, { dot: string; text: string; ring: string }> = {
  ok: { dot: "bg-emerald-400", text: "text-emerald-300", ring: "border-emerald-500/30 bg-emerald-500/10" },
  warn: { dot: "bg-amber-400", text: "text-amber-300", ring: "border-amber-500/30 bg-amber-500/10" },
  info: { dot: "bg-sky-400", text: "text-sky-300", ring: "border-sky-500/30 bg-sky-500/10" },
  muted: { dot: "bg-zinc-500", text: "text-zinc-400", ring: "border-zinc-600/40 bg-zinc-500/10" },
  bad: { dot: "bg-rose-400", text: "text-rose-300", ring: "border-rose-500/30 bg-rose-500/10" },
};

/** Which row actions a capsule in this status offers. */
export function capsuleActions(status: string): { pause: boolean; resume: boolean; snapshot: boolean; destroy: boolean } {
  return {
    pause: status === "running",
    resume: status === "paused",
    snapshot: status === "running" || status === "paused",
    destroy: true,
  };
}
