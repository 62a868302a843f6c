interface Queued {
  input: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Coalesces `iptables-restore --noflush` inputs: the first call runs at once; calls made
 * while it runs are merged into one transaction for the next run (a burst of 20 capsule
 * creates costs two or three processes, not 20). Merged inputs still commit atomically;
 * if a merged transaction fails, its parts are retried one by one so each caller gets
 * its own result and error.
 */
export class RestoreBatch {
  private queue: Queued[] = [];
  private running = false;

  constructor(private readonly run: (input: string) => Promise<void>) {}

  restore(input: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      if (batch.length === 1) {
        await this.settle(batch[0]!);
        continue;
      }
      try {
        await this.run(mergeRestoreInputs(batch.map((q) => q.input)));
        for (const q of batch) q.resolve();
      } catch {
        for (const q of batch) await this.settle(q);
      }
    }
    this.running = false;
  }

  private async settle(q: Queued): Promise<void> {
    try {
      await this.run(q.input);
      q.resolve();
    } catch (err) {
      q.reject(err);
    }
  }
}

/** Joins restore inputs table by table, keeping each input's lines in order. */
export function mergeRestoreInputs(inputs: string[]): string {
  const tables = new Map<string, string[]>();
  for (const input of inputs) {
    let table: string[] | undefined;
    for (const line of input.split("\n")) {
      if (line.startsWith("*")) {
        const name = line.slice(1).trim();
        if (!tables.has(name)) tables.set(name, []);
        table = tables.get(name);
      } else if (line === "COMMIT") {
        table = undefined;
      } else if (line.trim() !== "" && !line.startsWith("#")) {
        table?.push(line);
      }
    }
  }
  return [...tables].map(([name, lines]) => [`*${name}`, ...lines, "COMMIT"].join("\n")).join("\n") + "\n";
}
