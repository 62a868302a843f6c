/** Polling watchers (CreateWatcher / GetWatcherEvents / RemoveWatcher). (stub) */
export class WatcherRegistry {
  async close(): Promise<void> {}
}
