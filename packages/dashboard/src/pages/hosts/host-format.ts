/** How a host's numbers read in the fleet table. */
import type { Host } from "../../api/types";
import { formatMb, formatPercent } from "../../lib/format";

/** A heartbeat relative to now: "never", "just now", "12 s ago", "4 min ago", "3 h ago", "2 d ago". */
export function formatHeartbeat(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return "never";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "never";
  // A host clock slightly ahead of ours must not read "in 2 s".
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 1) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** "8 cores · 16 GiB · 200 GB". */
export function formatSpecs(h: Pick<Host, "cpu_cores" | "memory_mb" | "disk_gb">): string {
  const cores = `${h.cpu_cores} ${h.cpu_cores === 1 ? "core" : "cores"}`;
  return `${cores} · ${h.memory_mb > 0 ? formatMb(h.memory_mb) : "—"} · ${h.disk_gb > 0 ? `${h.disk_gb} GB` : "—"}`;
}

/** Live usage from the last heartbeat: "CPU 42% · RAM 3 GiB used · 120 GB free"; "—" before the first. */
export function formatUsage(h: Pick<Host, "stats">): string {
  const s = h.stats ?? {};
  const parts: string[] = [];
  if (s.cpu_percent !== undefined) parts.push(`CPU ${formatPercent(s.cpu_percent, 0)}`);
  if (s.memory_used_mb !== undefined) parts.push(`RAM ${formatMb(s.memory_used_mb)} used`);
  if (s.disk_free_gb !== undefined) parts.push(`${Math.round(s.disk_free_gb)} GB free`);
  return parts.length ? parts.join(" · ") : "—";
}

/** Tags typed as "gpu, eu-west 1" → ["gpu", "eu-west", "1"]: split on commas and spaces, no repeats. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((t) => t.trim()).filter(Boolean))];
}

/** The command that joins a machine to the fleet with a registration token. */
export function registerCommand(token: string, origin: string): string {
  return `wrenn agent --register ${token} --address <host-ip>:9726 --control-plane ${origin}`;
}
