import { forwardRef, useEffect, useState } from "react";
import { INTENTS, KINDS, MARKETPLACES, PRIORITIES, SENTIMENTS, SLA_STATES, STATUSES } from "../lib/labels";
import { countActive, EMPTY_FILTERS, type InboxFilters } from "./filters";

type ListName = "marketplace" | "kind" | "status" | "sla_state" | "priority" | "intent" | "sentiment";

const SELECTS: { name: ListName; title: string; options: Record<string, string> }[] = [
  { name: "marketplace", title: "Маркетплейс", options: MARKETPLACES },
  { name: "kind", title: "Тип", options: KINDS },
  { name: "status", title: "Статус", options: STATUSES },
  { name: "sla_state", title: "Срок", options: SLA_STATES },
  { name: "priority", title: "Приоритет", options: PRIORITIES },
  { name: "intent", title: "Намерение", options: INTENTS },
  { name: "sentiment", title: "Тональность", options: SENTIMENTS },
];

const RATINGS: Record<string, string> = {
  "1-2": "1–2 ★",
  "3": "3 ★",
  "4-5": "4–5 ★",
  "1": "1 ★",
  "2": "2 ★",
  "4": "4 ★",
  "5": "5 ★",
};

interface Props {
  filters: InboxFilters;
  onChange: (filters: InboxFilters) => void;
}

/** One select per filter (a single value each here; the URL and the API take lists for later multi-selects). */
export const FilterBar = forwardRef<HTMLInputElement, Props>(function FilterBar({ filters, onChange }, searchRef) {
  const [q, setQ] = useState(filters.q);
  useEffect(() => setQ(filters.q), [filters.q]);
  const active = countActive(filters);
  // On a phone the selects fold behind one button.
  const [open, setOpen] = useState(false);

  return (
    <div className="filters" role="search">
      <form
        className="search"
        onSubmit={(event) => {
          event.preventDefault();
          onChange({ ...filters, q });
        }}
      >
        <input
          ref={searchRef}
          type="search"
          placeholder="Поиск по тексту, товару, покупателю  ( / )"
          aria-label="Поиск"
          value={q}
          onChange={(event) => setQ(event.target.value)}
          onBlur={() => q !== filters.q && onChange({ ...filters, q })}
        />
      </form>
      <button type="button" className="filters-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        Фильтры{active ? ` (${active})` : ""}
      </button>
      <div className={`filter-selects${open ? " filter-selects-open" : ""}`}>
        <label className="toggle">
          <input
            type="checkbox"
            checked={filters.needs_response === "true"}
            onChange={(event) => onChange({ ...filters, needs_response: event.target.checked ? "true" : "" })}
          />
          Ждут ответа
        </label>
        <label className="toggle">
          <input
            type="checkbox"
            checked={filters.assigned_to === "me"}
            onChange={(event) => onChange({ ...filters, assigned_to: event.target.checked ? "me" : "" })}
          />
          Мои
        </label>
        {SELECTS.map(({ name, title, options }) => (
          <select
            key={name}
            aria-label={title}
            className={filters[name].length ? "set" : ""}
            value={filters[name][0] ?? ""}
            onChange={(event) => onChange({ ...filters, [name]: event.target.value ? [event.target.value] : [] })}
          >
            <option value="">{title}: все</option>
            {Object.entries(options).map(([value, text]) => (
              <option key={value} value={value}>{text}</option>
            ))}
          </select>
        ))}
        <select
          aria-label="Оценка"
          className={filters.rating ? "set" : ""}
          value={filters.rating}
          onChange={(event) => onChange({ ...filters, rating: event.target.value })}
        >
          <option value="">Оценка: любая</option>
          {Object.entries(RATINGS).map(([value, text]) => (
            <option key={value} value={value}>{text}</option>
          ))}
        </select>
        {active > 0 && (
          <button type="button" className="link" onClick={() => onChange(EMPTY_FILTERS)}>
            Сбросить
          </button>
        )}
      </div>
    </div>
  );
});
