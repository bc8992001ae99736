import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { InteractionDetail } from "../api/types";
import { fakeApi, inboxRow, json, ME, signIn } from "../test/api";
import { renderApp } from "../test/render";
import { ReplyEditor } from "./ReplyEditor";

afterEach(() => vi.unstubAllGlobals());

const DRAFT = "Здравствуйте! Спасибо за отзыв, нам жаль, что плед пришёл с дефектом.";
const BAD = "Я бот, пишите в телеграм @x";
const VIOLATIONS = [
  { category: "ai_mention", name: "Упоминание ИИ", verdict: "block", fragment: "бот", start: 2, end: 5, explanation: "Не упоминайте ИИ." },
  { category: "outside_contacts", name: "Контакты вне маркетплейса", verdict: "block", fragment: "телеграм", start: 13, end: 21, explanation: "Без контактов." },
];
const NO_REPEAT = { held: false, threshold: 90, checked: 3, similar: [] };

function detail(overrides: Partial<InteractionDetail> = {}): InteractionDetail {
  return {
    ...inboxRow(7),
    draft_text: DRAFT,
    draft_source: "offline",
    draft_reason: "",
    draft_guardrail: { status: "ok", violations: [] },
    ...overrides,
  } as unknown as InteractionDetail;
}

function serve(extra: Record<string, Parameters<typeof fakeApi>[0][string]> = {}) {
  return fakeApi({
    "GET /api/me": () => ME,
    "POST /api/replies/check": (_, body) => {
      const text = (body as { text: string }).text;
      return text.includes("бот") ? { status: "block", violations: VIOLATIONS, repeat: NO_REPEAT } : { status: "ok", violations: [], repeat: NO_REPEAT };
    },
    ...extra,
  });
}

describe("the reply editor", () => {
  it("starts from the draft with its guardrail verdict", async () => {
    signIn();
    serve();
    renderApp(<ReplyEditor detail={detail()} timeZone="Europe/Moscow" />);
    expect(screen.getByLabelText("Текст ответа")).toHaveValue(DRAFT);
    expect(screen.getByTestId("guardrail")).toHaveTextContent("Проверка пройдена");
  });

  it("checks the text while the seller types and will not send a blocked one", async () => {
    signIn();
    const server = serve();
    renderApp(<ReplyEditor detail={detail()} timeZone="Europe/Moscow" />);
    const box = screen.getByLabelText("Текст ответа");
    await userEvent.clear(box);
    await userEvent.type(box, BAD);
    await waitFor(() => expect(screen.getByTestId("guardrail")).toHaveTextContent("Так отправить нельзя"));
    expect(screen.getByTestId("guardrail")).toHaveTextContent("Упоминание ИИ: «бот»");
    expect(screen.getByTestId("guardrail")).toHaveTextContent("Контакты вне маркетплейса: «телеграм»");
    expect(screen.getByRole("button", { name: "Отправить" })).toBeDisabled();
    // Debounced: not one check per keystroke.
    expect(server.calls.filter((c) => c.path === "/api/replies/check").length).toBeLessThan(4);
  });

  it("regenerates the draft with an instruction", async () => {
    signIn();
    const server = serve({
      "POST /api/interactions/7/draft": () => ({ text: "Короткий новый черновик для покупателя.", source: "offline", reason: "", guardrail: { status: "ok", violations: [] } }),
      "GET /api/interactions/7": () => detail(),
    });
    renderApp(<ReplyEditor detail={detail()} timeZone="Europe/Moscow" />);
    await userEvent.type(screen.getByLabelText("Пожелание к черновику"), "короче");
    await userEvent.click(screen.getByRole("button", { name: "Переписать черновик" }));
    await waitFor(() => expect(screen.getByLabelText("Текст ответа")).toHaveValue("Короткий новый черновик для покупателя."));
    expect(server.calls.find((c) => c.path === "/api/interactions/7/draft")!.body).toEqual({ instruction: "короче" });
  });

  it("asks to confirm a warning, then sends with confirm_warnings", async () => {
    signIn();
    const server = serve({
      "POST /api/interactions/7/reply": (_, body) =>
        (body as { confirm_warnings: boolean }).confirm_warnings
          ? json({ id: 99, direction: "out", delivery_state: "pending" }, 201)
          : json(
              {
                detail: "В ответе есть замечания: подтвердите отправку.",
                code: "guardrail_warning",
                violations: [{ ...VIOLATIONS[0], name: "Обвинение покупателя", verdict: "warn", fragment: "вы сами" }],
                repeat: NO_REPEAT,
              },
              400,
            ),
      "GET /api/interactions/7": () => detail(),
      "GET /api/interactions": () => ({ results: [], next_cursor: null }),
    });
    renderApp(<ReplyEditor detail={detail({ kind: "chat" })} timeZone="Europe/Moscow" />);
    await userEvent.click(screen.getByRole("button", { name: "Отправить" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Обвинение покупателя: «вы сами»");
    await userEvent.click(screen.getByRole("button", { name: "Отправить, несмотря на замечания" }));
    expect(await screen.findByText(/Ответ поставлен в очередь/)).toBeInTheDocument();
    const replies = server.calls.filter((c) => c.path === "/api/interactions/7/reply").map((c) => c.body);
    expect(replies).toEqual([
      { text: DRAFT, confirm_warnings: false, confirm_repeat: false },
      { text: DRAFT, confirm_warnings: true, confirm_repeat: false },
    ]);
  });

  it("shows the similar answers of a held repeat and sends with confirm_repeat", async () => {
    signIn();
    const server = serve({
      "POST /api/interactions/7/reply": (_, body) =>
        (body as { confirm_repeat: boolean }).confirm_repeat
          ? json({ id: 99 }, 201)
          : json(
              {
                detail: "Ответ почти повторяет недавний.",
                code: "repeat_held",
                violations: [],
                repeat: { held: true, threshold: 90, checked: 40, similar: [{ id: 5, text: "Спасибо за отзыв!", score: 96.4, sent_at: "2026-03-01T10:00:00Z", same_product: true }] },
              },
              400,
            ),
      "GET /api/interactions/7": () => detail(),
      "GET /api/interactions": () => ({ results: [], next_cursor: null }),
    });
    renderApp(<ReplyEditor detail={detail()} timeZone="Europe/Moscow" />);
    await userEvent.click(screen.getByRole("button", { name: "Отправить" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("96% — «Спасибо за отзыв!»");
    await userEvent.click(screen.getByRole("button", { name: "Всё равно отправить" }));
    await screen.findByText(/Ответ поставлен в очередь/);
    expect(server.calls.filter((c) => c.path === "/api/interactions/7/reply").at(-1)!.body).toMatchObject({ confirm_repeat: true });
  });
});
