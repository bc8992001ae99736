import createClient from "openapi-fetch";
import { clearTokens, getTokens, refreshAccess } from "../auth/session";
import type { paths } from "./schema";

/** An API error as the backend writes it: `{"detail", "code", "errors"?}` plus whatever the endpoint adds. */
export class ApiError extends Error {
  status: number;
  code: string;
  errors: Record<string, unknown>;
  body: Record<string, unknown>;

  constructor(status: number, body: Record<string, unknown> | null) {
    const detail = typeof body?.detail === "string" ? body.detail : defaultMessage(status);
    super(detail);
    this.status = status;
    this.code = typeof body?.code === "string" ? body.code : "";
    this.errors = (body?.errors as Record<string, unknown>) ?? {};
    this.body = body ?? {};
  }

  /** The first message for a form field, when the backend named one. */
  field(name: string): string | undefined {
    const value = this.errors[name];
    if (Array.isArray(value) && typeof value[0] === "string") return value[0];
    return undefined;
  }
}

function defaultMessage(status: number): string {
  if (status === 0) return "Нет связи с сервером. Проверьте подключение и повторите.";
  if (status === 401) return "Сессия истекла. Войдите снова.";
  if (status === 403) return "Недостаточно прав.";
  if (status === 404) return "Не найдено.";
  if (status === 429) return "Слишком много запросов. Подождите немного.";
  if (status >= 500) return "Ошибка сервера. Попробуйте ещё раз.";
  return "Не удалось выполнить запрос.";
}

const AUTH_FREE = ["/api/auth/token", "/api/auth/refresh", "/api/auth/register"];

/** fetch with the bearer token; a 401 renews the access token once and repeats the request. */
export async function authFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const tokens = getTokens();
  if (tokens && !AUTH_FREE.some((path) => new URL(input.url).pathname === path)) {
    input.headers.set("Authorization", `Bearer ${tokens.access}`);
  }
  const response = await fetch(input);
  if (response.status !== 401 || !tokens || AUTH_FREE.some((path) => new URL(input.url).pathname === path)) {
    return response;
  }
  const renewed = await refreshAccess();
  if (!renewed) {
    // The refresh token is refused too: RequireAuth sends the user to sign in, then back to this screen.
    if (getTokens()?.refresh === tokens.refresh) clearTokens("expired");
    return response;
  }
  retry.headers.set("Authorization", `Bearer ${getTokens()!.access}`);
  return fetch(retry);
}

export const api = createClient<paths>({
  baseUrl: typeof window === "undefined" ? "http://localhost" : window.location.origin,
  fetch: authFetch,
});

/** Unwrap an openapi-fetch result: the data, or an ApiError with the backend's Russian message. */
export async function call<T>(
  promise: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result;
  try {
    result = await promise;
  } catch {
    throw new ApiError(0, null);
  }
  if (result.error !== undefined || !result.response.ok) {
    const body = result.error && typeof result.error === "object" ? (result.error as Record<string, unknown>) : null;
    throw new ApiError(result.response.status, body);
  }
  return result.data as T;
}
