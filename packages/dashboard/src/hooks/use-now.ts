import { useEffect, useState } from "react";

/** The current time, refreshed every `periodMs`, for "3m ago" labels that stay true. */
export function useNow(periodMs = 5000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), periodMs);
    return () => clearInterval(t);
  }, [periodMs]);
  return now;
}
