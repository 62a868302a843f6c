import type { ExitInfo } from "./exit-status.js";

export type OutputKind = "stdout" | "stderr" | "pty";

/** What a watcher receives: output chunks in order, then exactly one end. */
export type WatcherItem = { type: "data"; kind: OutputKind; data: Buffer } | { type: "end"; exit: ExitInfo };

/** The fan-out a watcher belongs to; told when the watcher's queue shrinks or it leaves. */
export interface WatcherOwner {
  drained(watcher: Watcher): void;
  detach(watcher: Watcher): void;
}

export type WaitResult = "ready" | "timeout" | "aborted";

/**
 * One consumer's queue of a process's events. The fan-out pushes into it without limit;
 * bounding is the fan-out's job (it pauses the process while any queue is over its
 * high-water mark), so a watcher never loses output. `take` merges adjacent chunks of
 * the same stream so a watcher that fell behind catches up with few large messages.
 */
export class Watcher {
  private items: WatcherItem[] = [];
  private head = 0;
  private queuedBytes = 0;
  private wake: (() => void) | undefined;
  private closed = false;

  constructor(private readonly owner: WatcherOwner) {}

  /** Output bytes queued and not yet taken. */
  get bytes(): number {
    return this.queuedBytes;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  push(item: WatcherItem): void {
    if (this.closed) return;
    this.items.push(item);
    if (item.type === "data") this.queuedBytes += item.data.length;
    const wake = this.wake;
    if (wake) {
      this.wake = undefined;
      wake();
    }
  }

  /**
   * The next event, or undefined when the queue is empty. Adjacent chunks of one stream
   * are merged while the result stays within `mergeBytes` (many small writes become one
   * message); a chunk longer than `maxBytes` is split (without copying).
   */
  take(maxBytes: number, mergeBytes = maxBytes): WatcherItem | undefined {
    const first = this.items[this.head];
    if (first === undefined) return undefined;
    if (first.type === "end") {
      this.shift(1);
      return first;
    }
    let item: WatcherItem;
    if (first.data.length > maxBytes) {
      item = { type: "data", kind: first.kind, data: first.data.subarray(0, maxBytes) };
      this.items[this.head] = { type: "data", kind: first.kind, data: first.data.subarray(maxBytes) };
    } else {
      const limit = Math.min(maxBytes, mergeBytes);
      let total = first.data.length;
      let end = this.head + 1;
      for (; end < this.items.length; end++) {
        const next = this.items[end]!;
        if (next.type !== "data" || next.kind !== first.kind || total + next.data.length > limit) break;
        total += next.data.length;
      }
      const count = end - this.head;
      if (count === 1) {
        item = first;
      } else {
        const parts: Buffer[] = [];
        for (let i = this.head; i < end; i++) parts.push((this.items[i] as { data: Buffer }).data);
        item = { type: "data", kind: first.kind, data: Buffer.concat(parts, total) };
      }
      this.shift(count);
    }
    this.queuedBytes -= item.data.length;
    this.owner.drained(this);
    return item;
  }

  /** Resolves when an event is queued, `timeoutMs` passes, or `signal` aborts. */
  wait(signal: AbortSignal, timeoutMs: number): Promise<WaitResult> {
    if (this.head < this.items.length) return Promise.resolve("ready");
    if (signal.aborted || this.closed) return Promise.resolve("aborted");
    return new Promise((resolve) => {
      const finish = (result: WaitResult): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        if (this.wake === onReady) this.wake = undefined;
        resolve(result);
      };
      const onReady = (): void => finish("ready");
      const onAbort = (): void => finish("aborted");
      const timer = setTimeout(() => finish("timeout"), timeoutMs);
      signal.addEventListener("abort", onAbort, { once: true });
      this.wake = onReady;
    });
  }

  /** Leaves the fan-out; queued events are dropped and the process may resume. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.items = [];
    this.head = 0;
    this.queuedBytes = 0;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
    this.owner.detach(this);
  }

  private shift(count: number): void {
    for (let i = 0; i < count; i++) this.items[this.head + i] = undefined as unknown as WatcherItem;
    this.head += count;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
