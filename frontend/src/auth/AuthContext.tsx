import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { api, call } from "../api/client";
import type { Me, TokenPair } from "../api/types";
import { clearTokens, getTokens, onTokensChange, setTokens } from "./session";

interface AuthValue {
  signedIn: boolean;
  me: Me | undefined;
  /** The shop's timezone (dates are shown in it), Europe/Moscow until /api/me answers. */
  timeZone: string;
  signIn: (email: string, password: string) => Promise<void>;
  signUp: (input: { email: string; password: string; shop_name: string; full_name?: string }) => Promise<void>;
  signOut: () => void;
}

const AuthContext = createContext<AuthValue | null>(null);

export const ME_KEY = ["me"] as const;

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [signedIn, setSignedIn] = useState(() => getTokens() !== null);
  useEffect(() => onTokensChange(() => setSignedIn(getTokens() !== null)), []);

  const me = useQuery({
    queryKey: ME_KEY,
    queryFn: () => call(api.GET("/api/me")),
    enabled: signedIn,
    staleTime: 5 * 60_000,
  });

  const signIn = useCallback(async (email: string, password: string) => {
    const pair = (await call(api.POST("/api/auth/token", { body: { email, password } }))) as unknown as TokenPair;
    queryClient.clear();
    setTokens(pair);
  }, [queryClient]);

  const signUp = useCallback<AuthValue["signUp"]>(async (input) => {
    const created = await call(api.POST("/api/auth/register", { body: { full_name: "", ...input } }));
    queryClient.clear();
    setTokens({ access: created.access, refresh: created.refresh });
  }, [queryClient]);

  const signOut = useCallback(() => {
    clearTokens();
    queryClient.clear();
  }, [queryClient]);

  const value = useMemo<AuthValue>(
    () => ({
      signedIn,
      me: me.data,
      timeZone: me.data?.seller?.timezone || "Europe/Moscow",
      signIn,
      signUp,
      signOut,
    }),
    [signedIn, me.data, signIn, signUp, signOut],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}
