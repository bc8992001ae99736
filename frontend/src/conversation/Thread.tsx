import type { Message } from "../api/types";
import { Chip, Stars } from "../components/Chips";
import { formatDateTime } from "../lib/format";
import { AUTHORS, DELIVERY_STATES, MARKETPLACE_STATES, label } from "../lib/labels";

const DELIVERY_TONE: Record<string, string> = { pending: "info", sending: "info", sent: "ok", failed: "bad" };
const MARKETPLACE_TONE: Record<string, string> = {
  sent: "info",
  in_moderation: "warn",
  published: "ok",
  rejected: "bad",
  edited: "info",
  deleted: "bad",
};

export function MessageStates({ message }: { message: Message }) {
  if (message.direction !== "out") return null;
  // An answer the sync read back from the marketplace's cabinet has no delivery of ours to show.
  const ours = message.author_user !== null || message.delivery_state !== "sent" || message.attempts > 0;
  return (
    <div className="msg-states">
      {ours && (
        <Chip tone={DELIVERY_TONE[message.delivery_state] ?? "neutral"} title="Доставка ответа">
          {label(DELIVERY_STATES, message.delivery_state)}
        </Chip>
      )}
      {message.marketplace_state && (
        <Chip tone={MARKETPLACE_TONE[message.marketplace_state] ?? "neutral"} title="Состояние на маркетплейсе">
          {label(MARKETPLACE_STATES, message.marketplace_state)}
        </Chip>
      )}
      {message.marketplace_reason && <span className="msg-reason">{message.marketplace_reason}</span>}
      {message.delivery_state === "failed" && message.last_error && <span className="msg-reason">{message.last_error}</span>}
    </div>
  );
}

export function Thread({ messages, rating, timeZone }: { messages: Message[]; rating: number | null; timeZone: string }) {
  if (!messages.length) return <p className="muted">Сообщений нет.</p>;
  const firstBuyer = messages.findIndex((m) => m.direction === "in");
  return (
    <ol className="thread" aria-label="Переписка">
      {messages.map((message, index) => {
        const photos = Array.isArray(message.attachments) ? message.attachments.length : 0;
        const who =
          message.direction === "in"
            ? label(AUTHORS, message.author)
            : message.author_user?.full_name || message.author_user?.email || label(AUTHORS, message.author);
        return (
          <li key={message.id} className={`msg msg-${message.direction}`}>
            <div className="msg-head">
              <span className="msg-who">{who}</span>
              {index === firstBuyer && <Stars rating={rating} />}
              <time dateTime={message.created_at}>{formatDateTime(message.created_at, timeZone)}</time>
            </div>
            <div className="msg-text">{message.text || <span className="muted">Без текста</span>}</div>
            {photos > 0 && <div className="muted msg-attach">Вложений: {photos}</div>}
            <MessageStates message={message} />
          </li>
        );
      })}
    </ol>
  );
}
