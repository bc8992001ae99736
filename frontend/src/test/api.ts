// A fake backend for component tests: routes "METHOD /api/path" to handlers; records every request.
import { vi } from "vitest";

export type Handler = (request: Request, body: unknown) => Response | unknown | Promise<Response | unknown>;

export interface FakeApi {
  calls: { method: string; path: string; search: string; body: unknown; auth: string | null }[];
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

export function fakeApi(routes: Record<string, Handler>): FakeApi {
  const api: FakeApi = { calls: [] };
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: Request | string, init?: RequestInit) => {
      const request = typeof input === "string" ? new Request(new URL(input, "http://localhost"), init) : input;
      const url = new URL(request.url);
      const text = request.method === "GET" ? "" : await request.clone().text();
      const body = text ? JSON.parse(text) : undefined;
      api.calls.push({ method: request.method, path: url.pathname, search: url.search, body, auth: request.headers.get("Authorization") });
      const key = `${request.method} ${url.pathname}`;
      const handler = routes[key] ?? Object.entries(routes).find(([pattern]) => new RegExp(`^${pattern}$`).test(key))?.[1];
      if (!handler) return json({ detail: `no route ${key}`, code: "not_found" }, 404);
      const result = await handler(request, body);
      return result instanceof Response ? result : json(result);
    }),
  );
  return api;
}

export function signIn(): void {
  localStorage.setItem("agentiq.access", "access-1");
  localStorage.setItem("agentiq.refresh", "refresh-1");
}

export const ME = {
  user: { id: 1, email: "owner@shop.test", full_name: "Анна", role: "owner", is_active: true, is_staff: false },
  seller: { id: 1, name: "Уютный дом", timezone: "Europe/Moscow", reply_tone: "", reply_signature: "", reply_address_form: "formal" },
  role: "owner",
};

export function inboxRow(id: number, overrides: Record<string, unknown> = {}) {
  return {
    id,
    kind: "review",
    marketplace: "wb",
    connection_id: 1,
    external_id: `fb-${id}`,
    status: "new",
    needs_response: true,
    priority: "normal",
    intent: "defect_quality",
    sentiment: "negative",
    rating: 2,
    sla_state: "ok",
    first_response_due_at: new Date(Date.now() + 90 * 60_000).toISOString(),
    first_responded_at: null,
    is_read: false,
    product_id: "123456",
    product_name: "Плед флисовый 150×200",
    customer: null,
    author_name: `Покупатель ${id}`,
    assigned_to: null,
    created_at: "2026-03-01T09:00:00Z",
    last_message_at: "2026-03-01T09:00:00Z",
    last_buyer_message_at: "2026-03-01T09:00:00Z",
    closed_at: null,
    last_message_preview: `Текст отзыва ${id}`,
    ...overrides,
  };
}
