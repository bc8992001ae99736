import { describe, expect, it } from "vitest";
import { formatDateTime, formatDuration, plural, slaView } from "./format";

const FORMS: [string, string, string] = ["отзыв", "отзыва", "отзывов"];

describe("plural", () => {
  it("takes the Russian form for the number", () => {
    expect(plural(1, FORMS)).toBe("1 отзыв");
    expect(plural(2, FORMS)).toBe("2 отзыва");
    expect(plural(5, FORMS)).toBe("5 отзывов");
    expect(plural(11, FORMS)).toBe("11 отзывов");
    expect(plural(21, FORMS)).toBe("21 отзыв");
    expect(plural(104, FORMS)).toBe("104 отзыва");
  });
});

describe("formatDuration", () => {
  it("reads minutes, hours and days", () => {
    expect(formatDuration(5 * 60_000)).toBe("5 мин");
    expect(formatDuration(125 * 60_000)).toBe("2 ч 05 мин");
    expect(formatDuration(26 * 3600_000)).toBe("1 дн 2 ч");
    expect(formatDuration(10_000)).toBe("1 мин");
  });
});

describe("formatDateTime", () => {
  it("shows the shop's local time", () => {
    const now = new Date("2026-03-14T12:00:00Z");
    expect(formatDateTime("2026-03-14T06:05:00Z", "Europe/Moscow", now)).toMatch(/14 мар.*09:05/);
    expect(formatDateTime("2025-03-14T06:05:00Z", "Asia/Yekaterinburg", now)).toMatch(/2025.*11:05/);
  });
});

describe("slaView", () => {
  const now = new Date("2026-03-14T12:00:00Z").getTime();
  const row = { sla_state: "ok", needs_response: true, status: "open", first_response_due_at: "2026-03-14T13:30:00Z" };

  it("counts down to the deadline", () => {
    expect(slaView(row, now)).toEqual({ tone: "ok", text: "осталось 1 ч 30 мин" });
    expect(slaView({ ...row, sla_state: "due_soon" }, now).tone).toBe("due_soon");
  });

  it("says how late a breached one is, even before the sweep marked it", () => {
    expect(slaView({ ...row, first_response_due_at: "2026-03-14T11:45:00Z" }, now)).toEqual({
      tone: "breached",
      text: "просрочено на 15 мин",
    });
  });

  it("shows nothing when no answer is due", () => {
    expect(slaView({ ...row, needs_response: false }, now).tone).toBe("none");
    expect(slaView({ ...row, status: "closed" }, now).tone).toBe("none");
    expect(slaView({ ...row, sla_state: "paused" }, now).tone).toBe("paused");
  });
});
