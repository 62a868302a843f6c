/** The fleet API as the hosts page calls it. */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError } from "../../api/client";
import type { Host, HostRegistration, HostType } from "../../api/types";

export const hostsKey = ["hosts"] as const;

/** A control plane without the fleet API answers these for /v1/hosts: it runs one built-in host. */
export function isSingleHost(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 404 || err.status === 405 || err.status === 501);
}

/** The list, live: heartbeats and usage change every few seconds. */
export function useHosts() {
  return useQuery({
    queryKey: hostsKey,
    queryFn: async ({ signal }) => (await api<{ hosts: Host[] }>("GET", "/hosts", { signal })).hosts ?? [],
    // A refusal (403) or a missing fleet API (404) will not change by polling.
    refetchInterval: (q) => (q.state.error instanceof ApiError && q.state.error.status < 500 ? false : 5000),
  });
}

export function useInvalidateHosts(): () => Promise<void> {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: hostsKey });
}

export function registerHost(body: { type: HostType; team_id?: string; tags?: string[] }): Promise<HostRegistration> {
  return api<HostRegistration>("POST", "/hosts", { body });
}

export function regenerateToken(id: string): Promise<HostRegistration> {
  return api<HostRegistration>("POST", `/hosts/${id}/token`);
}

export function updateTags(id: string, tags: string[]): Promise<Host> {
  return api<Host>("PATCH", `/hosts/${id}`, { body: { tags } });
}

/**
 * Deletes a host unless it still runs capsules: then resolves to their ids (the preview)
 * and deletes nothing. `force` destroys those capsules and deletes the host.
 */
export async function deleteHost(id: string, force = false): Promise<{ deleted: true } | { deleted: false; capsuleIds: string[] }> {
  try {
    await api("DELETE", `/hosts/${id}`, force ? { query: { force: true } } : {});
    return { deleted: true };
  } catch (err) {
    if (!force && err instanceof ApiError && err.status === 409 && err.code === "host_has_capsules") {
      const ids = err.details.capsule_ids;
      return { deleted: false, capsuleIds: Array.isArray(ids) ? ids.map(String) : [] };
    }
    throw err;
  }
}
