// The JWT pair lives in localStorage so a reload or a second tab stays signed in. The access token
// lasts minutes (JWT_ACCESS_MINUTES); a 401 renews it once, silently, with the refresh token.

const ACCESS = "agentiq.access";
const REFRESH = "agentiq.refresh";

export interface Tokens {
  access: string;
  refresh: string;
}

type Listener = () => void;
const listeners = new Set<Listener>();

export function getTokens(): Tokens | null {
  const access = localStorage.getItem(ACCESS);
  const refresh = localStorage.getItem(REFRESH);
  return access && refresh ? { access, refresh } : null;
}

let expired = false;

/** Did the session end because the refresh token was refused (not a sign-out)? The sign-in screen says so. */
export function sessionExpired(): boolean {
  return expired;
}

export function setTokens(tokens: Tokens): void {
  expired = false;
  localStorage.setItem(ACCESS, tokens.access);
  localStorage.setItem(REFRESH, tokens.refresh);
  listeners.forEach((listener) => listener());
}

export function clearTokens(reason: "signed_out" | "expired" = "signed_out"): void {
  expired = reason === "expired";
  localStorage.removeItem(ACCESS);
  localStorage.removeItem(REFRESH);
  listeners.forEach((listener) => listener());
}

export function onTokensChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

let refreshing: Promise<boolean> | null = null;

/** Renew the access token; concurrent callers share one request. False: the session is over. */
export function refreshAccess(fetchImpl: typeof fetch = fetch): Promise<boolean> {
  if (refreshing) return refreshing;
  const tokens = getTokens();
  if (!tokens) return Promise.resolve(false);
  refreshing = (async () => {
    try {
      const response = await fetchImpl("/api/auth/refresh", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh: tokens.refresh }),
      });
      if (!response.ok) return false;
      const body = (await response.json()) as { access: string; refresh?: string };
      setTokens({ access: body.access, refresh: body.refresh ?? tokens.refresh });
      return true;
    } catch {
      // A network error is not an expired session: keep the tokens, let the caller show the error.
      throw new Error("network");
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}
