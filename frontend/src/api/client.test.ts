import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, signIn } from "../test/api";
import { api, call, ApiError } from "./client";
import { getTokens, sessionExpired } from "../auth/session";

afterEach(() => vi.unstubAllGlobals());

describe("the API client", () => {
  it("renews an expired access token once, unnoticed, and repeats the requests", async () => {
    signIn();
    let refreshes = 0;
    const server = fakeApi({
      "POST /api/auth/refresh": () => {
        refreshes += 1;
        return { access: "access-2" };
      },
      "GET /api/me": (request) =>
        request.headers.get("Authorization") === "Bearer access-2"
          ? { user: { id: 1 } }
          : json({ detail: "Token is invalid or expired", code: "token_not_valid" }, 401),
    });
    const [first, second] = await Promise.all([call(api.GET("/api/me")), call(api.GET("/api/me"))]);
    expect(first).toEqual({ user: { id: 1 } });
    expect(second).toEqual({ user: { id: 1 } });
    expect(refreshes).toBe(1);
    expect(getTokens()).toEqual({ access: "access-2", refresh: "refresh-1" });
    expect(server.calls.filter((c) => c.path === "/api/me").map((c) => c.auth)).toEqual([
      "Bearer access-1",
      "Bearer access-1",
      "Bearer access-2",
      "Bearer access-2",
    ]);
  });

  it("ends the session when the refresh token is refused too", async () => {
    signIn();
    fakeApi({
      "POST /api/auth/refresh": () => json({ detail: "Token is invalid or expired", code: "token_not_valid" }, 401),
      "GET /api/me": () => json({ detail: "Token is invalid or expired", code: "token_not_valid" }, 401),
    });
    await expect(call(api.GET("/api/me"))).rejects.toBeInstanceOf(ApiError);
    expect(getTokens()).toBeNull();
    expect(sessionExpired()).toBe(true);
  });

  it("carries the backend's Russian message and field errors", async () => {
    fakeApi({
      "POST /api/auth/register": () =>
        json({ detail: "Проверьте введённые данные.", code: "invalid", errors: { email: ["Этот адрес уже занят."] } }, 400),
    });
    const error = await call(api.POST("/api/auth/register", { body: { email: "a@b.c", password: "x", shop_name: "s", full_name: "" } })).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.message).toBe("Проверьте введённые данные.");
    expect(error.field("email")).toBe("Этот адрес уже занят.");
  });
});
