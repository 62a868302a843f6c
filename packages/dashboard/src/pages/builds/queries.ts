import { useQuery } from "@tanstack/react-query";
import { api, ApiError, itemsOf } from "../../api/client";
import type { Build } from "../../api/types";

/**
 * The team's builds, or null when this control plane has no builds API (then the page
 * hides the section). Polled while any build is still pending or running.
 */
export function useBuilds() {
  return useQuery({
    queryKey: ["builds"],
    queryFn: async () => {
      try {
        return itemsOf(await api<Build[] | { items: Build[] }>("GET", "/builds"));
      } catch (err) {
        if (err instanceof ApiError && (err.status === 404 || err.status === 405 || err.status === 501)) return null;
        throw err;
      }
    },
    retry: false,
    refetchInterval: (q) => (q.state.data?.some((b) => b.status === "pending" || b.status === "running") ? 2000 : 15_000),
  });
}

export const isLive = (b: Pick<Build, "status">): boolean => b.status === "pending" || b.status === "running";
