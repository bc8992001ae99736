import { memo } from "react";
import type { InboxRow as Row } from "../api/types";
import { IntentChip, KindLabel, MarketplaceBadge, PriorityChip, SentimentChip, SlaBadge, Stars } from "../components/Chips";
import { formatDateTime, slaView } from "../lib/format";
import { STATUSES, label } from "../lib/labels";

interface Props {
  row: Row;
  active: boolean;
  selected: boolean;
  now: number;
  timeZone: string;
  onOpen: () => void;
  onToggle: () => void;
  onHover: () => void;
}

export const InboxRow = memo(function InboxRow({ row, active, selected, now, timeZone, onOpen, onToggle, onHover }: Props) {
  const sla = slaView(row, now);
  const who = row.author_name || row.customer?.name || "Покупатель";
  return (
    <div
      className={`row${active ? " row-active" : ""}${selected ? " row-selected" : ""}${row.is_read ? "" : " row-unread"} row-tone-${sla.tone}`}
      role="option"
      aria-selected={active}
      data-id={row.id}
      onClick={onOpen}
      onMouseEnter={onHover}
    >
      <input
        type="checkbox"
        className="row-check"
        checked={selected}
        aria-label={`Выбрать обращение ${row.id}`}
        onClick={(event) => event.stopPropagation()}
        onChange={onToggle}
        tabIndex={-1}
      />
      <div className="row-body">
        <div className="row-top">
          <MarketplaceBadge marketplace={row.marketplace} />
          <KindLabel kind={row.kind} />
          <span className="row-who">{who}</span>
          <Stars rating={row.rating} />
          <span className="row-spacer" />
          <SlaBadge view={sla} />
          <time className="row-time" dateTime={row.last_message_at ?? row.created_at}>
            {formatDateTime(row.last_message_at ?? row.created_at, timeZone, new Date(now))}
          </time>
        </div>
        <div className="row-text">{row.last_message_preview || "Без текста"}</div>
        <div className="row-bottom">
          {row.product_name && <span className="row-product" title={row.product_name}>{row.product_name}</span>}
          <span className="row-spacer" />
          <PriorityChip priority={row.priority} />
          <IntentChip intent={row.intent} />
          <SentimentChip sentiment={row.sentiment} />
          {row.status !== "open" && row.status !== "new" && <span className="row-status">{label(STATUSES, row.status)}</span>}
        </div>
      </div>
    </div>
  );
});
