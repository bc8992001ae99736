// Server state: one place for the query keys and fetchers the screens share.
import { useInfiniteQuery, useQuery, type QueryClient } from "@tanstack/react-query";
import { api, call } from "./client";
import type { InboxQuery } from "../inbox/filters";

export const keys = {
  inbox: (query: InboxQuery) => ["inbox", query] as const,
  inboxAll: ["inbox"] as const,
  interaction: (id: number) => ["interaction", id] as const,
  team: ["team"] as const,
  shop: ["shop"] as const,
  stats: (from: string, to: string) => ["stats", from, to] as const,
};

export const INBOX_PAGE = 50;

export function useInbox(query: InboxQuery) {
  return useInfiniteQuery({
    queryKey: keys.inbox(query),
    queryFn: ({ pageParam, signal }) =>
      call(
        api.GET("/api/interactions", {
          params: { query: { ...query, limit: INBOX_PAGE, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    initialPageParam: "" as string,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    // New items show up while the seller works (a cheap "changed since" feed is a later slice).
    refetchInterval: 60_000,
  });
}

function fetchInteraction(id: number) {
  return call(api.GET("/api/interactions/{interaction_id}", { params: { path: { interaction_id: id } } }));
}

export function useInteraction(id: number) {
  return useQuery({ queryKey: keys.interaction(id), queryFn: () => fetchInteraction(id) });
}

/** Warm the detail while the cursor rests on a row, so opening it is instant. */
export function prefetchInteraction(client: QueryClient, id: number) {
  return client.prefetchQuery({ queryKey: keys.interaction(id), queryFn: () => fetchInteraction(id), staleTime: 15_000 });
}

export function useTeam() {
  return useQuery({ queryKey: keys.team, queryFn: () => call(api.GET("/api/team")), staleTime: 5 * 60_000 });
}
