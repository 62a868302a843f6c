/**
 * Terminal sessions to reattach after a reload, per capsule, in sessionStorage (so they
 * belong to this browser tab, like the terminals on screen). PTYs outlive the WebSocket;
 * their tag is all it takes to connect again.
 */

export interface SavedSession {
  tag: string;
  title: string;
}

const keyOf = (capsuleId: string): string => `wrenn.pty.${capsuleId}`;

export function loadSessions(capsuleId: string, storage: Storage = sessionStorage): SavedSession[] {
  try {
    const parsed = JSON.parse(storage.getItem(keyOf(capsuleId)) ?? "[]") as unknown;
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((s): s is SavedSession => typeof s?.tag === "string" && s.tag !== "" && typeof s.title === "string");
  } catch {
    return [];
  }
}

function store(capsuleId: string, sessions: SavedSession[], storage: Storage): void {
  try {
    if (sessions.length) storage.setItem(keyOf(capsuleId), JSON.stringify(sessions));
    else storage.removeItem(keyOf(capsuleId));
  } catch {}
}

export function saveSession(capsuleId: string, session: SavedSession, storage: Storage = sessionStorage): void {
  const rest = loadSessions(capsuleId, storage).filter((s) => s.tag !== session.tag);
  store(capsuleId, [...rest, session], storage);
}

export function forgetSession(capsuleId: string, tag: string, storage: Storage = sessionStorage): void {
  store(
    capsuleId,
    loadSessions(capsuleId, storage).filter((s) => s.tag !== tag),
    storage,
  );
}

/** The next free "Shell N" title. */
export function nextTitle(existing: { title: string }[]): string {
  const used = new Set(existing.map((s) => s.title));
  for (let n = 1; ; n += 1) if (!used.has(`Shell ${n}`)) return `Shell ${n}`;
}
