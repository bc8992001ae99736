import { fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, inboxRow, ME, signIn } from "../test/api";
import { renderApp } from "../test/render";
import { InboxPage } from "./InboxPage";

afterEach(() => vi.unstubAllGlobals());

function serve(rows = [inboxRow(1), inboxRow(2, { marketplace: "ozon", kind: "chat", rating: null }), inboxRow(3)]) {
  return fakeApi({
    "GET /api/me": () => ME,
    "GET /api/interactions": () => ({ results: rows, next_cursor: null }),
    "GET /api/interactions/\\d+": () => ({}),
    "POST /api/interactions/bulk": (_, body) => ({ action: (body as { action: string }).action, requested: 1, changed: 1 }),
  });
}

describe("the inbox", () => {
  it("lists rows with the SLA countdown, rating and AI chips", async () => {
    signIn();
    serve();
    renderApp(<InboxPage />);
    expect(await screen.findByText("Текст отзыва 1")).toBeInTheDocument();
    expect(screen.getAllByText(/осталось 1 ч (29|30) мин/)).toHaveLength(3);
    expect(screen.getAllByLabelText("Оценка 2 из 5")).toHaveLength(2);
    expect(screen.getAllByTitle("Намерение (ИИ)").map((chip) => chip.textContent)).toEqual(Array(3).fill("Брак, качество"));
    expect(screen.getByText("3 обращения")).toBeInTheDocument();
  });

  it("asks the API with the filters in the URL and keeps a changed filter there", async () => {
    signIn();
    const server = serve();
    renderApp(<InboxPage />, { path: "/?kind=review&rating=1-2" });
    await screen.findByText("Текст отзыва 1");
    expect(server.calls.find((c) => c.path === "/api/interactions")!.search).toContain("kind=review");
    expect(server.calls.find((c) => c.path === "/api/interactions")!.search).toContain("rating_max=2");
    await userEvent.selectOptions(screen.getByLabelText("Маркетплейс"), "ozon");
    await waitFor(() => expect(screen.getByTestId("location").textContent).toBe("/?marketplace=ozon&kind=review&rating=1-2"));
  });

  it("is worked by keyboard: j/k move, x selects, Enter opens, / searches, ? helps", async () => {
    signIn();
    serve();
    renderApp(<InboxPage />);
    await screen.findByText("Текст отзыва 1");
    const active = () => document.querySelector(".row-active")?.getAttribute("data-id");
    expect(active()).toBe("1");
    fireEvent.keyDown(document, { key: "j", code: "KeyJ" });
    fireEvent.keyDown(document, { key: "о", code: "KeyJ" }); // the Russian layout
    expect(active()).toBe("3");
    fireEvent.keyDown(document, { key: "k", code: "KeyK" });
    expect(active()).toBe("2");
    fireEvent.keyDown(document, { key: "x", code: "KeyX" });
    expect(screen.getByText("Выбрано 1 обращение")).toBeInTheDocument();
    fireEvent.keyDown(document, { key: "/", code: "Slash" });
    expect(screen.getByLabelText("Поиск")).toHaveFocus();
    fireEvent.keyDown(screen.getByLabelText("Поиск"), { key: "j", code: "KeyJ" }); // typing, not moving
    expect(active()).toBe("2");
    fireEvent.keyDown(screen.getByLabelText("Поиск"), { key: "Escape" });
    fireEvent.keyDown(document, { key: "?", code: "Slash", shiftKey: true });
    expect(screen.getByRole("dialog", { name: "Клавиши" })).toBeInTheDocument();
    fireEvent.keyDown(document, { key: "Escape" });
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    fireEvent.keyDown(document, { key: "Enter" });
    expect(screen.getByTestId("location").textContent).toBe("/interactions/2");
  });

  it("closes the selected rows in one bulk call", async () => {
    signIn();
    const server = serve();
    renderApp(<InboxPage />);
    await screen.findByText("Текст отзыва 1");
    fireEvent.keyDown(document, { key: "x", code: "KeyX" });
    fireEvent.keyDown(document, { key: "j", code: "KeyJ" });
    fireEvent.keyDown(document, { key: "x", code: "KeyX" });
    await userEvent.click(screen.getByRole("button", { name: "Закрыть" }));
    await waitFor(() => expect(server.calls.some((c) => c.path === "/api/interactions/bulk")).toBe(true));
    expect(server.calls.find((c) => c.path === "/api/interactions/bulk")!.body).toEqual({ action: "close", ids: [1, 2] });
  });
});
