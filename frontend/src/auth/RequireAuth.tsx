import { useEffect, useRef } from "react";
import { Navigate, Outlet, useLocation, useNavigate } from "react-router";
import { onSessionExpired } from "../api/client";
import { useAuth } from "./AuthContext";

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
  const navigate = useNavigate();

  const here = useRef(location);
  here.current = location;

  useEffect(() => {
    // The refresh token was refused too: sign in again, then come back to this screen.
    onSessionExpired(() => navigate(loginPath(here.current, "expired"), { replace: true }));
    return () => onSessionExpired(null);
  }, [navigate]);

  if (!signedIn) return <Navigate to={loginPath(location)} replace />;
  return <Outlet />;
}
