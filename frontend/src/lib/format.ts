// Russian numbers, dates in the shop's timezone, SLA countdowns.

const pluralRules = new Intl.PluralRules("ru-RU");

/** plural(5, ["отзыв", "отзыва", "отзывов"]) → "5 отзывов". */
export function plural(n: number, forms: [one: string, few: string, many: string]): string {
  const rule = pluralRules.select(n);
  const word = rule === "one" ? forms[0] : rule === "few" ? forms[1] : forms[2];
  return `${n.toLocaleString("ru-RU")} ${word}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = timeZone + JSON.stringify(options);
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat("ru-RU", { timeZone, ...options });
    formatters.set(key, found);
  }
  return found;
}

/** "14 мар., 09:05" in the shop's timezone; the year only when it is not this year. */
export function formatDateTime(iso: string | null | undefined, timeZone: string, now = new Date()): string {
  if (!iso) return "";
  const date = new Date(iso);
  const sameYear =
    formatter(timeZone, { year: "numeric" }).format(date) === formatter(timeZone, { year: "numeric" }).format(now);
  return formatter(timeZone, {
    day: "numeric",
    month: "short",
    ...(sameYear ? {} : { year: "numeric" }),
    hour: "2-digit",
    minute: "2-digit",
  }).format(date);
}

/** "2 ч 05 мин", "3 дн 4 ч", "12 мин"; at least one minute. */
export function formatDuration(ms: number): string {
  const minutes = Math.max(1, Math.round(Math.abs(ms) / 60_000));
  if (minutes < 60) return `${minutes} мин`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} ч ${String(minutes % 60).padStart(2, "0")} мин`;
  const days = Math.floor(hours / 24);
  return `${days} дн ${hours % 24} ч`;
}

export type SlaTone = "ok" | "due_soon" | "breached" | "paused" | "none";

export interface SlaView {
  tone: SlaTone;
  text: string;
}

/** What the row's SLA badge says: time left before the deadline, or how late it is. */
export function slaView(
  row: { sla_state: string; first_response_due_at: string | null; needs_response: boolean; status: string },
  now: number,
): SlaView {
  if (row.status === "closed" || !row.needs_response) return { tone: "none", text: "" };
  if (row.sla_state === "paused") return { tone: "paused", text: "ждём покупателя" };
  if (!row.first_response_due_at) return { tone: "none", text: "" };
  const left = new Date(row.first_response_due_at).getTime() - now;
  if (left <= 0) return { tone: "breached", text: `просрочено на ${formatDuration(left)}` };
  const tone: SlaTone = row.sla_state === "breached" ? "breached" : row.sla_state === "due_soon" ? "due_soon" : "ok";
  return { tone, text: `осталось ${formatDuration(left)}` };
}
