export interface JoinOptions<P> {
  signal?: AbortSignal;
  onProgress?: (event: P) => void;
}

interface Flight<T, P> {
  controller: AbortController;
  promise: Promise<T>;
  listeners: Set<(event: P) => void>;
  callers: number;
}

/**
 * Runs at most one build per key in this process: callers that arrive while a build runs
 * join it, receive its progress and its result. Each caller's signal only drops that
 * caller; the build itself is aborted when the last caller has gone, and that caller's
 * promise settles once the aborted build has finished cleaning up.
 */
export class SharedBuilds<T, P> {
  private readonly flights = new Map<string, Flight<T, P>>();

  run(key: string, build: (signal: AbortSignal, progress: (event: P) => void) => Promise<T>, options: JoinOptions<P> = {}): Promise<T> {
    options.signal?.throwIfAborted();
    let flight = this.flights.get(key);
    if (!flight) {
      const controller = new AbortController();
      const listeners = new Set<(event: P) => void>();
      const progress = (event: P): void => {
        for (const listener of listeners) {
          try {
            listener(event);
          } catch {
            // A caller's progress display must not break the build.
          }
        }
      };
      const started: Flight<T, P> = { controller, listeners, callers: 0, promise: Promise.resolve(undefined as T) };
      started.promise = build(controller.signal, progress).finally(() => {
        if (this.flights.get(key) === started) this.flights.delete(key);
      });
      // Callers observe the result through their own promises.
      started.promise.catch(() => {});
      this.flights.set(key, started);
      flight = started;
    }
    return this.join(key, flight, options);
  }

  /** Keys with a build in progress. */
  running(): string[] {
    return [...this.flights.keys()];
  }

  private join(key: string, flight: Flight<T, P>, options: JoinOptions<P>): Promise<T> {
    const { signal, onProgress } = options;
    flight.callers++;
    if (onProgress) flight.listeners.add(onProgress);
    return new Promise<T>((resolve, reject) => {
      let left = false;
      const leave = (): void => {
        if (left) return;
        left = true;
        signal?.removeEventListener("abort", onAbort);
        if (onProgress) flight.listeners.delete(onProgress);
        flight.callers--;
      };
      const onAbort = (): void => {
        if (left) return;
        leave();
        if (flight.callers > 0) return reject(signal!.reason);
        // Forget the flight now: a caller arriving during the aborted build's cleanup
        // starts a fresh build (which waits for the cleanup through the file lock).
        if (this.flights.get(key) === flight) this.flights.delete(key);
        flight.controller.abort(signal!.reason);
        // The last caller learns of the abort once the build has cleaned up after itself.
        void flight.promise.catch(() => {}).then(() => reject(signal!.reason));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      flight.promise.then(
        (value) => {
          leave();
          resolve(value);
        },
        (err: unknown) => {
          leave();
          reject(err);
        },
      );
    });
  }
}
