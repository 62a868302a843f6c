import { useSyncExternalStore } from "react";
import { getSession, subscribeSession } from "./session";
import type { Session } from "./types";

/** The session, re-rendering on sign-in, sign-out, expiry and changes from other tabs. */
export function useSession(): Session | null {
  return useSyncExternalStore(subscribeSession, getSession, () => null);
}
