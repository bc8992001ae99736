import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, ME } from "../test/api";
import { renderApp } from "../test/render";
import { LoginPage } from "./LoginPage";
import { RegisterPage } from "./RegisterPage";
import { RequireAuth, safeNext } from "./RequireAuth";

afterEach(() => vi.unstubAllGlobals());

function Screens() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/register" element={<RegisterPage />} />
      <Route element={<RequireAuth />}>
        <Route path="*" element={<p>Экран приложения</p>} />
      </Route>
    </Routes>
  );
}

describe("signing in", () => {
  it("sends a signed-out user to sign in and back to the screen they asked for", async () => {
    fakeApi({
      "POST /api/auth/token": (_, body) =>
        (body as { password: string }).password === "верный-пароль"
          ? { access: "a", refresh: "r" }
          : json({ detail: "No active account found with the given credentials", code: "no_active_account" }, 401),
      "GET /api/me": () => ME,
    });
    renderApp(<Screens />, { path: "/interactions/5?x=1" });
    expect(screen.getByTestId("location").textContent).toBe("/login?next=%2Finteractions%2F5%3Fx%3D1");
    await userEvent.type(screen.getByLabelText("E-mail"), "owner@shop.test");
    await userEvent.type(screen.getByLabelText("Пароль"), "неверный");
    await userEvent.click(screen.getByRole("button", { name: "Войти" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Неверный e-mail или пароль.");
    await userEvent.clear(screen.getByLabelText("Пароль"));
    await userEvent.type(screen.getByLabelText("Пароль"), "верный-пароль");
    await userEvent.click(screen.getByRole("button", { name: "Войти" }));
    await waitFor(() => expect(screen.getByTestId("location").textContent).toBe("/interactions/5?x=1"));
    expect(localStorage.getItem("agentiq.access")).toBe("a");
  });

  it("signs a new shop up and shows the field errors in Russian", async () => {
    let attempts = 0;
    fakeApi({
      "POST /api/auth/register": () =>
        ++attempts === 1
          ? json({ detail: "Проверьте введённые данные.", code: "invalid", errors: { password: ["Пароль слишком простой."] } }, 400)
          : json({ user: ME.user, seller: ME.seller, access: "a", refresh: "r" }, 201),
      "GET /api/me": () => ME,
    });
    renderApp(<Screens />, { path: "/register" });
    await userEvent.type(screen.getByLabelText("Название магазина"), "Уютный дом");
    await userEvent.type(screen.getByLabelText("E-mail"), "new@shop.test");
    await userEvent.type(screen.getByLabelText("Пароль"), "12345678");
    await userEvent.click(screen.getByRole("button", { name: "Создать магазин" }));
    expect(await screen.findByText("Пароль слишком простой.")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Создать магазин" }));
    await waitFor(() => expect(screen.getByText("Экран приложения")).toBeInTheDocument());
  });

  it("returns only to paths inside the app", () => {
    expect(safeNext("/interactions/5")).toBe("/interactions/5");
    expect(safeNext("//evil.example")).toBe("/");
    expect(safeNext("https://evil.example")).toBe("/");
    expect(safeNext(null)).toBe("/");
  });
});

describe("an expired session", () => {
  it("signs in again and returns to the screen the user was on", async () => {
    localStorage.setItem("agentiq.access", "old");
    localStorage.setItem("agentiq.refresh", "old");
    const expired = () => json({ detail: "Token is invalid or expired", code: "token_not_valid" }, 401);
    fakeApi({
      "GET /api/me": (request) => (request.headers.get("Authorization") === "Bearer new" ? ME : expired()),
      "POST /api/auth/refresh": expired,
      "POST /api/auth/token": () => ({ access: "new", refresh: "new-r" }),
    });
    renderApp(<Screens />, { path: "/settings" });
    expect(screen.getByText("Экран приложения")).toBeInTheDocument();
    expect(await screen.findByText(/Сессия истекла/)).toBeInTheDocument();
    expect(screen.getByTestId("location").textContent).toBe("/login?next=%2Fsettings&reason=expired");
    await userEvent.type(screen.getByLabelText("E-mail"), "owner@shop.test");
    await userEvent.type(screen.getByLabelText("Пароль"), "пароль");
    await userEvent.click(screen.getByRole("button", { name: "Войти" }));
    await waitFor(() => expect(screen.getByTestId("location").textContent).toBe("/settings"));
  });
});
