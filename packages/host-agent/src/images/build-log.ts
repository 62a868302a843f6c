import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";

const TAIL_LINES = 40;

/**
 * The log of one build (`<wrennDir>/images/<name>.build.log`): every line of every command
 * the build runs, plus the builder's own step markers. Kept after the build; a failed build
 * quotes its last lines in the error.
 */
export class BuildLog {
  private readonly tail: string[] = [];
  private readonly stream: WriteStream;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: "w" });
    // Logging must never fail the build; the error surfaces when the log is closed.
    this.stream.on("error", () => {});
  }

  line(text: string): void {
    this.stream.write(`${text}\n`);
    this.tail.push(text);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
  }

  /** A builder step, marked so it stands out among command output. */
  step(text: string): void {
    this.line(`== ${new Date().toISOString()} ${text}`);
  }

  lastLines(n: number): string[] {
    return this.tail.filter((l) => l.trim() !== "").slice(-n);
  }

  async close(): Promise<void> {
    if (this.stream.closed) return;
    this.stream.end();
    await once(this.stream, "close").catch(() => {});
  }
}
