import type { ReactNode } from "react";
import { INTENTS, KINDS, MARKETPLACE_SHORT, PRIORITIES, SENTIMENTS, label } from "../lib/labels";
import type { SlaView } from "../lib/format";

export function Chip({ tone = "neutral", children, title }: { tone?: string; children: ReactNode; title?: string }) {
  return (
    <span className={`chip chip-${tone}`} title={title}>
      {children}
    </span>
  );
}

export function MarketplaceBadge({ marketplace }: { marketplace: string }) {
  return <span className={`mp mp-${marketplace}`}>{label(MARKETPLACE_SHORT, marketplace)}</span>;
}

export function KindLabel({ kind }: { kind: string }) {
  return <span className="kind">{label(KINDS, kind)}</span>;
}

export function Stars({ rating }: { rating: number | null | undefined }) {
  if (!rating) return null;
  return (
    <span className={`stars stars-${rating <= 2 ? "low" : rating === 3 ? "mid" : "high"}`} aria-label={`Оценка ${rating} из 5`} title={`Оценка ${rating} из 5`}>
      {"★".repeat(rating)}
      <span className="stars-off">{"★".repeat(5 - rating)}</span>
    </span>
  );
}

export function IntentChip({ intent }: { intent: string }) {
  if (!intent) return null;
  return <Chip tone="intent" title="Намерение (ИИ)">{label(INTENTS, intent)}</Chip>;
}

export function SentimentChip({ sentiment }: { sentiment: string }) {
  if (!sentiment) return null;
  return <Chip tone={`sentiment-${sentiment}`} title="Тональность (ИИ)">{label(SENTIMENTS, sentiment)}</Chip>;
}

export function PriorityChip({ priority }: { priority: string }) {
  if (!priority || priority === "normal") return null;
  return <Chip tone={`priority-${priority}`} title="Приоритет">{label(PRIORITIES, priority)}</Chip>;
}

export function SlaBadge({ view }: { view: SlaView }) {
  if (view.tone === "none") return null;
  return (
    <span className={`sla sla-${view.tone}`} title="Срок ответа">
      <span className="sla-dot" aria-hidden="true" />
      {view.text}
    </span>
  );
}
