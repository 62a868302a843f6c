import { randomUUID } from "node:crypto";
import { WrennError } from "@wrenn/core";
import type { FilesystemEvent } from "@wrenn/proto/envd/filesystem";
import type { UserDirectory } from "../users.js";
import { DirWatcher } from "./dir-watcher.js";

export interface WatcherRegistryOptions {
  /** Events kept per watcher between polls; the oldest are dropped past this. */
  maxEvents?: number;
  /** Watchers alive at once. */
  maxWatchers?: number;
}

export interface CreateWatcherOptions {
  recursive: boolean;
  includeEntry: boolean;
  users: UserDirectory;
}

/** What a watcher collected since the last poll, and why it stopped, if it did. */
interface Inbox {
  events: FilesystemEvent[];
  ended: WrennError | undefined;
}

interface PollingWatcher {
  watcher: DirWatcher;
  inbox: Inbox;
}

/**
 * Polling watchers (CreateWatcher / GetWatcherEvents / RemoveWatcher) for clients that
 * cannot hold a stream open: each buffers its events until the next poll.
 */
export class WatcherRegistry {
  private readonly watchers = new Map<string, PollingWatcher>();
  private readonly maxEvents: number;
  private readonly maxWatchers: number;

  constructor(options: WatcherRegistryOptions = {}) {
    this.maxEvents = options.maxEvents ?? 10_000;
    this.maxWatchers = options.maxWatchers ?? 1_000;
  }

  get size(): number {
    return this.watchers.size;
  }

  /** Starts watching `path` (a directory); returns the new watcher's id. */
  async create(path: string, options: CreateWatcherOptions): Promise<string> {
    if (this.watchers.size >= this.maxWatchers) {
      throw new WrennError(
        "too_large",
        `at most ${this.maxWatchers} watchers may exist at once; remove unused ones with RemoveWatcher`,
      );
    }
    const id = randomUUID();
    const inbox: Inbox = { events: [], ended: undefined };
    const watcher = await DirWatcher.open(path, {
      ...options,
      onEvent: (event) => {
        // Drop the oldest tenth at once so a flood costs amortised O(1) per event.
        if (inbox.events.length >= this.maxEvents) inbox.events.splice(0, Math.ceil(this.maxEvents / 10));
        inbox.events.push(event);
      },
      onEnd: (err) => {
        inbox.ended = err;
      },
    });
    this.watchers.set(id, { watcher, inbox });
    return id;
  }

  /**
   * Returns and clears the events buffered since the last call. Once the watch has
   * ended (its directory was removed), the remaining events are returned first, then
   * the reason as an error, and the watcher is gone.
   */
  takeEvents(id: string): FilesystemEvent[] {
    const { inbox } = this.get(id);
    if (inbox.events.length === 0 && inbox.ended) {
      this.watchers.delete(id);
      throw inbox.ended;
    }
    const events = inbox.events;
    inbox.events = [];
    return events;
  }

  remove(id: string): void {
    this.get(id).watcher.close();
    this.watchers.delete(id);
  }

  async close(): Promise<void> {
    for (const entry of this.watchers.values()) entry.watcher.close();
    this.watchers.clear();
  }

  private get(id: string): PollingWatcher {
    const entry = this.watchers.get(id);
    if (!entry) throw new WrennError("not_found", `no watcher with id "${id}": it was removed or never created`);
    return entry;
  }
}
