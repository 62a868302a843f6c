/** What a build's WebSocket subscribers receive. */
export type BuildEvent =
  | { type: "step"; index: number; instruction: string; args: string }
  | { type: "log"; step: number; data: string; stream: "stdout" | "stderr" }
  | { type: "finished"; status: "success" | "failed" | "cancelled"; error?: string; template?: string };

type Listener = (event: BuildEvent) => void;

/** In-memory history kept for the build that is running in this process (its logs are also in the row). */
const MAX_HISTORY_EVENTS = 20_000;

/**
 * Live build events inside one control plane. `subscribe` is synchronous and returns the
 * history of a build this process is running, so a subscriber sees every event exactly once.
 */
export class BuildEvents {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly history = new Map<string, BuildEvent[]>();

  begin(buildId: string): void {
    this.history.set(buildId, []);
  }

  publish(buildId: string, event: BuildEvent): void {
    const history = this.history.get(buildId);
    if (history) {
      history.push(event);
      if (history.length > MAX_HISTORY_EVENTS) history.splice(0, history.length - MAX_HISTORY_EVENTS);
    }
    for (const listener of this.listeners.get(buildId) ?? []) listener(event);
    if (event.type === "finished") this.history.delete(buildId);
  }

  subscribe(buildId: string, listener: Listener): { history: BuildEvent[] | undefined; unsubscribe: () => void } {
    let set = this.listeners.get(buildId);
    if (!set) this.listeners.set(buildId, (set = new Set()));
    set.add(listener);
    const history = this.history.get(buildId);
    return {
      history: history && [...history],
      unsubscribe: () => {
        set.delete(listener);
        if (set.size === 0) this.listeners.delete(buildId);
      },
    };
  }
}
