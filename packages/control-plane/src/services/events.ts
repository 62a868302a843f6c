import type { Deps } from "../deps.js";
import { publishEvent, type PlatformEvent } from "./channels/index.js";

export type { PlatformEvent };

/**
 * Records a platform event for the notification channels (the outbox delivers it). Never
 * fails the operation that caused it: a lost notification is reported, not thrown.
 */
export async function emitEvent(deps: Deps, event: PlatformEvent): Promise<void> {
  try {
    await publishEvent(deps.db, event);
  } catch (err) {
    process.emitWarning(`event ${event.type} for ${event.resourceId} was not recorded: ${(err as Error).message}`);
  }
}
