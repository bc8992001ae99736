import { Navigate, Outlet, useLocation } from "react-router";
import { useAuth } from "./AuthContext";
import { sessionExpired } from "./session";

/** Where the user was, as a `next` the sign-in screen returns to. */
export function loginPath(location: { pathname: string; search: string }, reason?: "expired"): string {
  const next = location.pathname + location.search;
  const params = new URLSearchParams();
  if (next && next !== "/") params.set("next", next);
  if (reason) params.set("reason", reason);
  const query = params.toString();
  return query ? `/login?${query}` : "/login";
}

/** Only a path inside the app: never another site (`//evil`, `https://…`). */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  return next;
}

export function RequireAuth() {
  const { signedIn } = useAuth();
  const location = useLocation();
  if (!signedIn) return <Navigate to={loginPath(location, sessionExpired() ? "expired" : undefined)} replace />;
  return <Outlet />;
}
