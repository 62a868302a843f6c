import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, itemsOf } from "../../api/client";
import type { Capsule, Template } from "../../api/types";

/** Live list: polled while the page is open, previous rows kept during refetch (no flicker). */
export function useCapsules() {
  return useQuery({
    queryKey: ["capsules"],
    queryFn: async () => itemsOf(await api<{ items: Capsule[] } | Capsule[]>("GET", "/capsules")),
    refetchInterval: 2500,
    placeholderData: keepPreviousData,
  });
}

export function useCapsule(id: string) {
  return useQuery({
    queryKey: ["capsules", id],
    queryFn: () => api<Capsule>("GET", `/capsules/${id}`),
    refetchInterval: 3000,
  });
}

export function useTemplates() {
  return useQuery({
    queryKey: ["snapshots"],
    queryFn: async () => itemsOf(await api<{ items: Template[] } | Template[]>("GET", "/snapshots")),
  });
}

export type CapsuleAction = "pause" | "resume" | "destroy";

/** Pause/resume/destroy; the list is refreshed right after, not at the next poll. */
export function useCapsuleAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, action }: { id: string; action: CapsuleAction }) => {
      if (action === "destroy") return api<void>("DELETE", `/capsules/${id}`);
      return api<Capsule>("POST", `/capsules/${id}/${action}`);
    },
    onSuccess: (result, { id, action }) => {
      if (action === "destroy") {
        queryClient.setQueryData<Capsule[]>(["capsules"], (old) => old?.filter((c) => c.id !== id));
        queryClient.removeQueries({ queryKey: ["capsules", id] });
      } else if (result) {
        queryClient.setQueryData<Capsule[]>(["capsules"], (old) => old?.map((c) => (c.id === id ? result : c)));
        queryClient.setQueryData(["capsules", id], result);
      }
      void queryClient.invalidateQueries({ queryKey: ["capsules"] });
    },
  });
}
