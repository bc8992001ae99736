import type { paths } from "../api/schema";

export type InboxQuery = NonNullable<paths["/api/interactions"]["get"]["parameters"]["query"]>;

/** The inbox filters as the URL keeps them (`/app/?marketplace=wb&kind=review&rating=1-2&q=брак`). */
export interface InboxFilters {
  marketplace: string[];
  kind: string[];
  status: string[];
  sla_state: string[];
  priority: string[];
  intent: string[];
  sentiment: string[];
  /** "", a single star ("5") or a range ("1-2"). */
  rating: string;
  q: string;
  /** "", "true" (needs a reply) or "false". */
  needs_response: string;
  /** "", "me", "unassigned". */
  assigned_to: string;
}

const LISTS = ["marketplace", "kind", "status", "sla_state", "priority", "intent", "sentiment"] as const;
const VALUES = ["rating", "q", "needs_response", "assigned_to"] as const;

export const EMPTY_FILTERS: InboxFilters = {
  marketplace: [],
  kind: [],
  status: [],
  sla_state: [],
  priority: [],
  intent: [],
  sentiment: [],
  rating: "",
  q: "",
  needs_response: "",
  assigned_to: "",
};

export function parseFilters(params: URLSearchParams): InboxFilters {
  const filters: InboxFilters = { ...EMPTY_FILTERS };
  for (const name of LISTS) {
    filters[name] = params
      .getAll(name)
      .flatMap((value) => value.split(","))
      .filter(Boolean);
  }
  for (const name of VALUES) filters[name] = params.get(name) ?? "";
  if (!/^[1-5](-[1-5])?$/.test(filters.rating)) filters.rating = "";
  if (!["true", "false"].includes(filters.needs_response)) filters.needs_response = "";
  if (!["me", "unassigned"].includes(filters.assigned_to)) filters.assigned_to = "";
  return filters;
}

/** The URL form: only what is set, lists comma-joined, in a stable order. */
export function filtersToSearch(filters: InboxFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const name of LISTS) if (filters[name].length) params.set(name, filters[name].join(","));
  for (const name of VALUES) if (filters[name].trim()) params.set(name, filters[name].trim());
  return params;
}

export function countActive(filters: InboxFilters): number {
  return LISTS.filter((name) => filters[name].length).length + VALUES.filter((name) => filters[name].trim()).length;
}

/** The `/api/interactions` query for these filters. */
export function filtersToQuery(filters: InboxFilters): InboxQuery {
  const query: InboxQuery = {};
  if (filters.marketplace.length) query.marketplace = filters.marketplace as InboxQuery["marketplace"];
  if (filters.kind.length) query.kind = filters.kind as InboxQuery["kind"];
  if (filters.status.length) query.status = filters.status as InboxQuery["status"];
  if (filters.sla_state.length) query.sla_state = filters.sla_state as InboxQuery["sla_state"];
  if (filters.priority.length) query.priority = filters.priority as InboxQuery["priority"];
  if (filters.sentiment.length) query.sentiment = filters.sentiment as InboxQuery["sentiment"];
  if (filters.intent.length) query.intent = filters.intent;
  if (filters.rating) {
    const [low, high = low] = filters.rating.split("-").map(Number);
    query.rating_min = Math.min(low, high);
    query.rating_max = Math.max(low, high);
  }
  if (filters.q.trim()) query.q = filters.q.trim();
  if (filters.needs_response) query.needs_response = filters.needs_response === "true";
  if (filters.assigned_to) query.assigned_to = filters.assigned_to;
  return query;
}
