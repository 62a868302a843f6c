/**
 * A bounded queue between a build (the producer) and the RPC stream (the consumer):
 * `push` waits while `highWater` events are unread, so a slow caller slows the build's
 * log streaming instead of growing memory, and it fails once the consumer is gone.
 */
export class EventQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private closed = false;
  private gone = false;
  private wakeReader: (() => void) | undefined;
  private wakeWriters: (() => void)[] = [];

  constructor(private readonly highWater = 256) {}

  async push(item: T): Promise<void> {
    while (this.items.length >= this.highWater && !this.gone) await new Promise<void>((r) => this.wakeWriters.push(r));
    if (this.gone) throw new Error("the build's caller went away");
    if (this.closed) throw new Error("the event queue is closed");
    this.items.push(item);
    this.wake();
  }

  /** No more events; the consumer ends after the queued ones. */
  close(): void {
    this.closed = true;
    this.wake();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    try {
      for (;;) {
        const item = this.items.shift();
        if (item !== undefined) {
          for (const w of this.wakeWriters.splice(0)) w();
          yield item;
          continue;
        }
        if (this.closed) return;
        await new Promise<void>((r) => (this.wakeReader = r));
      }
    } finally {
      this.gone = true;
      for (const w of this.wakeWriters.splice(0)) w();
    }
  }

  private wake(): void {
    const reader = this.wakeReader;
    this.wakeReader = undefined;
    reader?.();
  }
}
